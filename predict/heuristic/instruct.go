package heuristic

import (
	"sync"

	"github.com/caseagent/caseagent/predict/instruct"
)

// fieldNames is what the shared instruction detector knows of a field:
// its names in instructions ("set the order number to ..."), in the
// supported languages, and its values. It is compiled once per field.
type fieldNames struct {
	det  *instruct.Field
	hash uint64 // of the field definition
}

func newFieldNames(cf *compiledField) *fieldNames {
	return &fieldNames{det: instruct.NewField(&cf.field), hash: cf.hash}
}

// vocab is what instructions to the system are recognised by, beyond the
// fixed word lists: the names and values of the requested fields. A nil
// vocab knows no fields.
type vocab struct {
	fields []*fieldNames
	det    *instruct.Detector
	// cache holds the detectors of the field sets requested before; nil
	// for none.
	cache *detectorCache
}

// detectorCache keeps a detector per set of requested fields, since
// requests ask for the same fields again and again. The zero value is
// ready; it is safe for concurrent use.
type detectorCache struct {
	mu sync.RWMutex
	m  map[uint64]cachedDetector
}

type cachedDetector struct {
	fields []*instruct.Field
	det    *instruct.Detector
}

// maxDetectors bounds the detectors a cache keeps.
const maxDetectors = 256

// get returns the detector for fields, built once.
func (c *detectorCache) get(fields []*fieldNames) *instruct.Detector {
	const prime = 1099511628211
	key := uint64(14695981039346656037)
	for _, f := range fields {
		key = (key ^ f.hash) * prime
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && len(e.fields) == len(fields) {
		same := true
		for i, f := range fields {
			same = same && e.fields[i] == f.det
		}
		if same {
			return e.det
		}
	}
	e = cachedDetector{fields: make([]*instruct.Field, len(fields))}
	for i, f := range fields {
		e.fields[i] = f.det
	}
	e.det = instruct.New(e.fields...)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[uint64]cachedDetector{}
	}
	if len(c.m) < maxDetectors {
		c.m[key] = e
	}
	c.mu.Unlock()
	return e.det
}

// detector returns the shared instruction detector for the vocab's
// fields; for a nil vocab, one that knows no fields.
func (v *vocab) detector() *instruct.Detector {
	if v == nil {
		return instruct.New()
	}
	if v.det == nil && v.cache != nil {
		v.det = v.cache.get(v.fields)
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
