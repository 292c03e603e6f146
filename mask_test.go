package epiloop

import "testing"

func TestMaskIDNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"eighteen", "210102199003070017", "210102********0017"},
		{"check X", "11010519491231002X", "110105********002X"},
		{"empty", "", ""},
		{"one character", "1", "*"},
		{"two characters", "12", "1*"},
		{"legacy fifteen", "110105491231002", "1*************2"},
		{"non-ASCII", "张三丰", "张*丰"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskIDNumber(tt.in); got != tt.want {
				t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"mobile", "13800138000", "138****8000"},
		{"empty", "", ""},
		{"one character", "1", "*"},
		{"two characters", "12", "1*"},
		{"landline", "02423456789x", "0**********x"},
		{"short", "12345", "1***5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskPhone(tt.in); got != tt.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"three characters", "张三丰", "张**"},
		{"two characters", "张三", "张*"},
		{"one character", "张", "张"},
		{"empty", "", ""},
		{"Latin", "John Smith", "J*********"},
		{"rare character", "𠀋王", "𠀋*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskName(tt.in); got != tt.want {
				t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
