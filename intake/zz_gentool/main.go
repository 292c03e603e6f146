// Temporary harness while cmd/epiloop does not build; removed before hand-over.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/intake"
)

func main() {
	rows := flag.Int("rows", 1000, "")
	noise := flag.Float64("noise", 0.05, "")
	format := flag.String("format", "csv", "")
	enc := flag.String("encoding", "utf-8", "")
	out := flag.String("out", "", "")
	read := flag.String("read", "", "")
	rej := flag.String("rejects", "", "")
	flag.Parse()
	start := time.Now()
	if *read != "" {
		regions, _ := divisions.Regions()
		r, err := intake.OpenFile(*read, intake.Options{Regions: regions})
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		var rw *intake.RejectWriter
		if *rej != "" {
			f, _ := os.Create(*rej)
			defer f.Close()
			info := r.Info()
			rw, _ = intake.NewRejectWriter(f, info.Format, info.Headers(), "zh")
		}
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				panic(err)
			}
			if rw != nil {
				rw.Write(row)
			}
		}
		if rw != nil {
			rw.Close()
		}
		fmt.Printf("%+v %v\n", r.Progress(), time.Since(start))
		r.Close()
		return
	}
	f, _ := os.Create(*out)
	w := bufio.NewWriter(f)
	sum, err := intake.Generate(w, intake.GenOptions{Rows: *rows, Seed: 7, Noise: *noise, Format: intake.Format(*format), Encoding: intake.Encoding(*enc)})
	w.Flush()
	f.Close()
	fmt.Println(sum.Rows, sum.Invalid, err, time.Since(start))
}
