package llm

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"golang.org/x/sync/singleflight"
)

// DefaultCacheSize is how many answers a Predictor remembers by default.
const DefaultCacheSize = 256

// cache is a bounded LRU of validated answers by request key. It keeps
// answers before the guards run, so a hit is judged again, against the
// directory of the moment. It is safe for concurrent use.
type cache struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *entry, most recent first
	byKey map[[32]byte]*list.Element
}

type entry struct {
	key [32]byte
	a   *answer
}

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	return &cache{size: size, order: list.New(), byKey: map[[32]byte]*list.Element{}}
}

func (c *cache) get(k [32]byte) (*answer, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry).a, true
}

func (c *cache) put(k [32]byte, a *answer) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok {
		el.Value.(*entry).a = a
		c.order.MoveToFront(el)
		return
	}
	c.byKey[k] = c.order.PushFront(&entry{key: k, a: a})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*entry).key)
	}
}

// cacheKey hashes everything the model is shown: the system text (fields,
// options, mode), the schema and the data section (messages, known
// values). Identical requests have identical prompts.
func cacheKey(p *prompt) [32]byte {
	b, _ := json.Marshal([]string{p.system, string(p.schema), p.user})
	return sha256.Sum256(b)
}

// flight lets concurrent identical requests share one model call: the
// first asks, the others wait for its answer (golang.org/x/sync's
// singleflight). It is safe for concurrent use.
type flight struct {
	g  singleflight.Group
	mu sync.Mutex
	n  map[string]int // callers under way, by key
}

// do returns fn's answer for key, calling fn only when no identical call
// is under way; shared reports that the answer came from another
// caller's call. A waiter whose leader failed makes its own call, so one
// caller's cancelled context never fails another; a waiter whose own
// context ends stops waiting.
func (f *flight) do(ctx context.Context, key [32]byte, fn func() (*answer, error)) (a *answer, shared bool, err error) {
	k := string(key[:])
	f.count(k, 1)
	defer f.count(k, -1)
	led := make(chan struct{})
	ch := f.g.DoChan(k, func() (any, error) {
		close(led)
		return fn()
	})
	leader := func() bool {
		select {
		case <-led:
			return true
		default:
			return false
		}
	}
	select {
	case r := <-ch:
		if leader() {
			a, _ := r.Val.(*answer)
			return a, false, r.Err
		}
		if r.Err != nil {
			a, err := fn()
			return a, false, err
		}
		return r.Val.(*answer), true, nil
	case <-ctx.Done():
		if leader() {
			// The call is this caller's own: fn sees the same context and
			// returns its own account of the deadline.
			r := <-ch
			a, _ := r.Val.(*answer)
			return a, false, r.Err
		}
		return nil, false, ctx.Err()
	}
}

func (f *flight) count(k string, d int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[string]int{}
	}
	f.n[k] += d
	if f.n[k] <= 0 {
		delete(f.n, k)
	}
}

// waiting returns how many callers wait on the call for key.
func (f *flight) waiting(key [32]byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return max(f.n[string(key[:])]-1, 0)
}
