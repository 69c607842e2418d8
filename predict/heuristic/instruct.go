package heuristic

import (
	"github.com/caseagent/caseagent/predict/instruct"
)

// fieldNames is what the shared instruction detector knows of a field:
// its names in instructions ("set the order number to ..."), in the
// supported languages, and its values. It is compiled once per field.
type fieldNames struct {
	det *instruct.Field
}

func newFieldNames(cf *compiledField) *fieldNames {
	return &fieldNames{det: instruct.NewField(&cf.field)}
}

// vocab is what instructions to the system are recognised by, beyond the
// fixed word lists: the names and values of the requested fields. A nil
// vocab knows no fields.
type vocab struct {
	fields []*fieldNames
	det    *instruct.Detector
}

// detector returns the shared instruction detector for the vocab's
// fields; for a nil vocab, one that knows no fields.
func (v *vocab) detector() *instruct.Detector {
	if v == nil {
		return instruct.New()
	}
	if v.det == nil {
		fs := make([]*instruct.Field, len(v.fields))
		for i, f := range v.fields {
			fs[i] = f.det
		}
		v.det = instruct.New(fs...)
	}
	return v.det
}

// spans returns what of src the shared detector finds is not the
// customer's own account: instructions and third-party content.
func (v *vocab) spans(src string) []instruct.Span {
	return v.detector().Spans(src)
}

// spanAt returns, for the sentence src[sp.start:sp.end] with tokens
// toks, the index of the token where an instruction the detector found
// begins (0 for the whole sentence, -1 for none), and whether the
// sentence lies in third-party content.
func spanAt(spans []instruct.Span, sp span, toks []token) (at int, third bool) {
	at = -1
	for _, s := range spans {
		if s.End <= sp.start || s.Start >= sp.end {
			continue
		}
		if s.Kind == instruct.ThirdParty {
			third = third || s.Start <= sp.start
			continue
		}
		k := 0
		for k < len(toks) && sp.start+toks[k].end <= s.Start {
			k++
		}
		if k >= len(toks) {
			continue
		}
		if at < 0 || k < at {
			at = k
		}
	}
	return at, third
}
