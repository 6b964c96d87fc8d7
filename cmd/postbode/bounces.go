package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/postbode/postbode/bounces"
)

// cmdBounces runs `postbode bounces ...`.
func cmdBounces(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bounces classify", "[FILE...]   (no FILE or - reads stdin)", stdout)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	return classifyFiles(fs.Args(), os.Stdin, stdout, stderr)
}

// classifyLine is one output line of `postbode bounces classify`: one
// failed recipient of one message.
type classifyLine struct {
	File       string `json:"file"`
	Recipient  string `json:"recipient"`
	Class      string `json:"class"`
	Reason     string `json:"reason"`
	Status     string `json:"status"`
	ReplyCode  int    `json:"reply_code"`
	Hard       bool   `json:"hard"`
	Diagnostic string `json:"diagnostic,omitempty"`
	Rule       string `json:"rule,omitempty"`
	// StatusRule says where status comes from; StandardStatus is the RFC
	// 3463 code of the registry derived from the reason when the message
	// gives none or only X.0.0, and StandardStatusRule how it was derived.
	StatusRule         string `json:"status_rule,omitempty"`
	StandardStatus     string `json:"standard_status,omitempty"`
	StandardStatusRule string `json:"standard_status_rule,omitempty"`
}

// classifyFiles parses each named message (stdin for "-" or no names) and
// prints one JSON line per failed recipient. A file that cannot be read or
// parsed is reported on stderr and the others are still classified; the
// command then fails naming how many.
func classifyFiles(files []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(files) == 0 {
		files = []string{"-"}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, f := range files {
		if err := classifyFile(f, stdin, enc); err != nil {
			fmt.Fprintf(stderr, "postbode: bounces classify: %s: %v\n", f, err)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("bounces classify: %d of %d messages not classified", failed, len(files))
	}
	return nil
}

// classifyFile classifies one message and writes its lines.
func classifyFile(name string, stdin io.Reader, enc *json.Encoder) error {
	raw, err := readMessageFile(name, stdin)
	if err != nil {
		return err
	}
	rep, err := bounces.Parse(raw)
	if err != nil {
		return err
	}
	for _, r := range rep.Results {
		line := classifyLine{
			File: name, Recipient: r.Recipient, Class: string(r.Class), Reason: r.Reason,
			Status: r.Status, ReplyCode: r.ReplyCode, Hard: r.Hard(), Diagnostic: r.Diagnostic, Rule: r.Rule,
			StatusRule: r.StatusRule, StandardStatus: r.StandardStatus(), StandardStatusRule: r.StandardStatusRule(),
		}
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	return nil
}

// readMessageFile reads a message from a file or, for "-", from stdin, up
// to the size Parse looks at.
func readMessageFile(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			// The line names the file already: say only what went wrong.
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("cannot open: %w", err)
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, bounces.MaxParseBytes))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return raw, nil
}
