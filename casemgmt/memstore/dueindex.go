package memstore

import "slices"

// dueIndex keeps due entries in order, in chunks of at most chunkSize, so
// that inserting and deleting move at most a chunk's worth of entries
// (plus, on a split or when a chunk empties, the short list of chunks)
// instead of the whole index.
type dueIndex struct {
	chunks [][]dueEntry // each sorted and non-empty; all in order
	n      int
}

const chunkSize = 256

// find returns the chunk that holds e, or would hold it.
func (x *dueIndex) find(e dueEntry) int {
	// The first chunk whose last entry is not before e.
	i, _ := slices.BinarySearchFunc(x.chunks, e, func(c []dueEntry, e dueEntry) int {
		return compareDue(c[len(c)-1], e)
	})
	return min(i, len(x.chunks)-1)
}

func (x *dueIndex) insert(e dueEntry) {
	x.n++
	if len(x.chunks) == 0 {
		x.chunks = append(x.chunks, []dueEntry{e})
		return
	}
	i := x.find(e)
	c := x.chunks[i]
	j, _ := slices.BinarySearchFunc(c, e, compareDue)
	c = slices.Insert(c, j, e)
	if len(c) <= chunkSize {
		x.chunks[i] = c
		return
	}
	half := len(c) / 2
	left := slices.Clone(c[:half])
	right := slices.Clone(c[half:])
	x.chunks[i] = left
	x.chunks = slices.Insert(x.chunks, i+1, right)
}

func (x *dueIndex) delete(e dueEntry) {
	if len(x.chunks) == 0 {
		return
	}
	i := x.find(e)
	c := x.chunks[i]
	j, ok := slices.BinarySearchFunc(c, e, compareDue)
	if !ok {
		return
	}
	x.n--
	c = slices.Delete(c, j, j+1)
	if len(c) == 0 {
		x.chunks = slices.Delete(x.chunks, i, i+1)
		return
	}
	x.chunks[i] = c
}

// ascend calls fn for each entry in order until fn returns false.
func (x *dueIndex) ascend(fn func(dueEntry) bool) {
	for _, c := range x.chunks {
		for _, e := range c {
			if !fn(e) {
				return
			}
		}
	}
}

// ascendAfter calls fn for each entry after e (all entries when e is nil),
// in order, until fn returns false.
func (x *dueIndex) ascendAfter(e *dueEntry, fn func(dueEntry) bool) {
	ci, j := 0, 0
	if e != nil && len(x.chunks) > 0 {
		ci = x.find(*e)
		c := x.chunks[ci]
		var found bool
		j, found = slices.BinarySearchFunc(c, *e, compareDue)
		if found {
			j++
		}
	}
	for ; ci < len(x.chunks); ci, j = ci+1, 0 {
		for _, d := range x.chunks[ci][j:] {
			if !fn(d) {
				return
			}
		}
	}
}

// descendBefore calls fn for each entry before e (all entries when e is
// nil), in reverse order, until fn returns false.
func (x *dueIndex) descendBefore(e *dueEntry, fn func(dueEntry) bool) {
	if len(x.chunks) == 0 {
		return
	}
	ci := len(x.chunks) - 1
	j := len(x.chunks[ci])
	if e != nil {
		ci = x.find(*e)
		j, _ = slices.BinarySearchFunc(x.chunks[ci], *e, compareDue)
	}
	for ; ci >= 0; ci-- {
		c := x.chunks[ci]
		if j > len(c) || j < 0 {
			j = len(c)
		}
		for k := j - 1; k >= 0; k-- {
			if !fn(c[k]) {
				return
			}
		}
		if ci > 0 {
			j = len(x.chunks[ci-1])
		}
	}
}
