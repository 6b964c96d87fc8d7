package templates

import (
	"fmt"
	"strconv"
	"strings"
	texttemplate "text/template"
)

// valueOf returns an evaluator for an output pipeline: direct field access
// for the plain merge fields, a one-action text/template otherwise.
func valueOf(pipe string) (valueFunc, error) {
	if m := fieldRE.FindStringSubmatch(pipe); m != nil {
		switch {
		case m[3] != "":
			key := m[3]
			return func(d *Data) string { return printValue(d.Contact.Attributes[key]) }, nil
		case m[1] == "Contact.Name":
			return func(d *Data) string { return d.Contact.Name }, nil
		case m[1] == "Contact.Email":
			return func(d *Data) string { return d.Contact.Email }, nil
		case m[1] == "Contact.ID":
			return func(d *Data) string { return strconv.FormatInt(d.Contact.ID, 10) }, nil
		case m[1] == "CampaignID":
			return func(d *Data) string { return strconv.FormatInt(d.CampaignID, 10) }, nil
		case m[1] == "CampaignName":
			return func(d *Data) string { return d.CampaignName }, nil
		}
		return linkField(m[4]), nil
	}
	t, err := texttemplate.New("v").Funcs(textFuncs).Parse("{{" + pipe + "}}")
	if err != nil {
		return nil, err
	}
	return func(d *Data) string {
		var b strings.Builder
		if err := t.Execute(&b, d); err != nil {
			return ""
		}
		return strings.ReplaceAll(b.String(), "<no value>", "")
	}, nil
}

func linkField(name string) valueFunc {
	return func(d *Data) string {
		l := &d.Links
		switch name {
		case "Unsubscribe":
			return l.Unsubscribe
		case "Update":
			return l.Update
		case "Privacy":
			return l.Privacy
		case "View":
			return l.View
		case "UpdateOK":
			return l.UpdateOK
		case "UpdateChange":
			return l.UpdateChange
		}
		return l.UpdateRemove
	}
}

// printValue prints an attribute as templates do (nil prints nothing).
func printValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// condOf returns an evaluator for an {{if}} pipeline, with template truth.
func condOf(pipe string) (condFunc, error) {
	if m := fieldRE.FindStringSubmatch(pipe); m != nil && m[3] != "" {
		key := m[3]
		return func(d *Data) bool { return truth(d.Contact.Attributes[key]) }, nil
	} else if m != nil {
		switch m[1] {
		case "Contact.ID":
			return func(d *Data) bool { return d.Contact.ID != 0 }, nil
		case "CampaignID":
			return func(d *Data) bool { return d.CampaignID != 0 }, nil
		}
		v, _ := valueOf(pipe) // a string field: true when not empty
		return func(d *Data) bool { return v(d) != "" }, nil
	}
	t, err := texttemplate.New("c").Funcs(textFuncs).Parse("{{if " + pipe + "}}1{{end}}")
	if err != nil {
		return nil, err
	}
	return func(d *Data) bool {
		var b strings.Builder
		t.Execute(&b, d)
		return b.String() == "1"
	}, nil
}

// truth is text/template's truth of a value.
func truth(v any) bool {
	if v == nil {
		return false
	}
	t, _ := texttemplate.IsTrue(v)
	return t
}
