package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/postbode/postbode/internal/httpapi"
)

// TestCSVCellAndValue: every value a spreadsheet would run as a formula
// leaves CSVCell with a quote before it, nothing else does, and CSVValue
// reads every cell back as the value written (a value that starts with a
// quote of its own included).
func TestCSVCellAndValue(t *testing.T) {
	for v, want := range map[string]string{
		"":                  "",
		"Jan":               "Jan",
		"=1+1":              "'=1+1",
		"+31 6 1234":        "'+31 6 1234",
		"-cmd|' /C calc'!A": "'-cmd|' /C calc'!A",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=x":              "'\t=x",
		"\r=x":              "'\r=x",
		"-3":                "-3",
		"+4.5":              "+4.5",
		"'=1+1":             "''=1+1",
		"''@x":              "'''@x",
		"'quoted'":          "'quoted'",
		"'-2":               "'-2",
		"a=b":               "a=b",
		"＝1+1":              "'＝1+1",
		"＋31 6 1234":        "'＋31 6 1234",
		"－3":                "'－3",
		"＠SUM(A1)":          "'＠SUM(A1)",
		"'＝x":               "''＝x",
		"a＝b":               "a＝b",
	} {
		if got := httpapi.CSVCell(v); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", v, got, want)
		}
		if got := httpapi.CSVValue(want); got != v {
			t.Errorf("CSVValue(%q) = %q, want %q", want, got, v)
		}
	}
}

func ExampleCSVValue() {
	cell := httpapi.CSVCell("=HYPERLINK(\"http://x\")")
	fmt.Println(cell)
	fmt.Println(httpapi.CSVValue(cell))
	// Output:
	// '=HYPERLINK("http://x")
	// =HYPERLINK("http://x")
}
