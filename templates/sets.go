package templates

import (
	htmltemplate "html/template"
	texttemplate "text/template"
)

// setPoolSize is how many execution sets a Template keeps for reuse (about
// the number of renders running at once).
const setPoolSize = 16

// execSet is a clone of a Template's parts whose step function counts
// against its own budget: the template packages cannot pass per-execution
// state to a function, so each concurrent render uses a set of its own.
type execSet struct {
	subject, text *texttemplate.Template
	html          *htmltemplate.Template
	b             budget
}

// instrument inserts the step checks into the parts (before any execution).
func (t *Template) instrument() {
	for _, x := range t.subject.Templates() {
		instrument(x.Tree)
	}
	instrument(htmlTrees(t.html)...)
	if t.text != nil {
		for _, x := range t.text.Templates() {
			instrument(x.Tree)
		}
	}
}

// getSet takes a free set (or clones one) and gives it the budget b.
func (t *Template) getSet(b *budget) (*execSet, error) {
	var s *execSet
	select {
	case s = <-t.sets:
	default:
		var err error
		if s, err = t.newSet(); err != nil {
			return nil, err
		}
	}
	s.b = *b
	return s, nil
}

// putSet returns a set for reuse (dropped when the pool is full).
func (t *Template) putSet(s *execSet) {
	select {
	case t.sets <- s:
	default:
	}
}

// dropSets empties the pool (after the parts changed).
func (t *Template) dropSets() {
	for {
		select {
		case <-t.sets:
		default:
			return
		}
	}
}

func (t *Template) newSet() (*execSet, error) {
	s := &execSet{}
	fm := withFuncs(map[string]any{stepFunc: s.b.step}, boundedFuncs(&s.b))
	h, err := t.html.Clone()
	if err != nil {
		return nil, err
	}
	s.html = h.Funcs(htmltemplate.FuncMap(fm))
	sub, err := t.subject.Clone()
	if err != nil {
		return nil, err
	}
	s.subject = sub.Funcs(texttemplate.FuncMap(fm))
	if t.text != nil {
		tx, err := t.text.Clone()
		if err != nil {
			return nil, err
		}
		s.text = tx.Funcs(texttemplate.FuncMap(fm))
	}
	return s, nil
}
