package llm

import (
	"container/list"
	"crypto/sha256"
	"encoding/json"
	"sync"
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
