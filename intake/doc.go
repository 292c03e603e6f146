// Package intake reads the files people bring to an outbreak headquarters
// — railway and road manifests, health department lists, spreadsheets
// typed by clerks — and turns each row into a person and a report, or into
// a reject that names the row and the reason. It is the file-reading half
// of bulk import: the workflow that de-duplicates and writes is built on
// top of it, one row at a time.
//
// Files are recognised by their bytes, never their names: XLSX by the zip
// signature, CSV in UTF-8 (with or without a byte-order mark), GBK/GB18030
// (what Excel on Chinese Windows saves), or UTF-16 ("Unicode text"). Both
// are streamed, so a million-row file takes constant memory. Headers are
// matched in Chinese or English with the usual synonyms; a file whose
// header names neither ID numbers nor phones is refused before any row is
// read. Every row is normalised (half width, simplified characters, the
// 18-character ID number, 11-digit mobile numbers, ISO dates) and either
// passes or is rejected with a stable reason code (see Describe); bad data
// never stops the reading. A row that identifies a person and gives an
// address is never rejected for a secondary field (origin, arrival date,
// train, seat, plate): it passes with the field kept as written and a
// Warning (see DescribeWarning), which the rejects report lists apart.
//
//	r, err := intake.OpenFile(path, intake.Options{Regions: regions})
//	if err != nil {
//		return err // an *epiloop.Error with code invalid when the file is refused
//	}
//	defer r.Close()
//	info := r.Info() // format, encoding, header mapping, SHA-256 fingerprint
//	for {
//		row, err := r.Next()
//		if err == io.EOF {
//			break
//		} else if err != nil {
//			return err
//		}
//		if !row.Valid() { rejects.Write(row); continue }
//		// row.Person, row.Address, row.Reason, r.Source(row) …
//	}
//
// Generate writes realistic synthetic manifests, with controlled noise, for
// trying and benchmarking all of this.
package intake
