package textclass

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrBadModel means a model file is not one, is of an unknown version, or
// is damaged (truncated, altered, inconsistent). Loading never panics.
var ErrBadModel = errors.New("textclass: bad model file")

// The model file format, version 2. All integers and floats are little
// endian.
//
//	header (24 bytes)
//	  magic    [8]byte  "TXTCLS\r\n"
//	  version  uint32   2 (1 is read too)
//	  crc      uint32   CRC-32 (IEEE) of the payload
//	  length   uint64   length of the payload in bytes
//	payload
//	  features   MinWordN, MaxWordN, MinCharN, MaxCharN, HashBits,
//	             FoldAccents (uint8 each), CharWeight (float64)
//	  calibration  Held (uint32), Temperature, Accuracy, ErrorBefore,
//	             Error (float64 each); since version 2 also Folds
//	             (uint32), PriorCorrection and MacroF1 (float64 each),
//	             the correction being already part of the bias, and the
//	             knots: count (uint32), then Confidence and Accuracy
//	             (float64 each) of each, confidences strictly ascending,
//	             accuracies not descending, all in [0,1]
//	  info       Examples, Epochs (uint32 each)
//	  labels     count (uint32), then each: length (uint16) and UTF-8
//	             bytes; distinct, sorted, not blank
//	  rows       count (uint32), word rows (uint32), the buckets (uint32
//	             each, strictly ascending; word rows in the lower half of
//	             the hashed space), the IDF weights (float32 each)
//	  bias       float32 per label
//	  weights    float32 per row and label, row by row
//
// Nothing may follow the payload.
const (
	magic         = "TXTCLS\r\n"
	formatVersion = 2
	headerLen     = 24
	maxPayload    = 1 << 31
)

// WriteTo writes the model in the file format described above. It
// implements io.WriterTo.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var p bytes.Buffer
	le := binary.LittleEndian
	u8 := func(v int) { p.WriteByte(byte(v)) }
	u16 := func(v int) { p.Write(le.AppendUint16(nil, uint16(v))) }
	u32 := func(v int) { p.Write(le.AppendUint32(nil, uint32(v))) }
	f64 := func(v float64) { p.Write(le.AppendUint64(nil, math.Float64bits(v))) }
	f := m.feat
	u8(f.MinWordN)
	u8(f.MaxWordN)
	u8(f.MinCharN)
	u8(f.MaxCharN)
	u8(f.HashBits)
	if f.FoldAccents {
		u8(1)
	} else {
		u8(0)
	}
	f64(f.CharWeight)
	c := m.calib
	u32(c.Held)
	f64(c.Temperature)
	f64(c.Accuracy)
	f64(c.ErrorBefore)
	f64(c.Error)
	u32(c.Folds)
	f64(c.PriorCorrection)
	f64(c.MacroF1)
	u32(len(c.Knots))
	for _, k := range c.Knots {
		f64(k.Confidence)
		f64(k.Accuracy)
	}
	u32(m.info.Examples)
	u32(m.info.Epochs)
	u32(len(m.labels))
	for _, l := range m.labels {
		u16(len(l))
		p.WriteString(l)
	}
	u32(len(m.buckets))
	u32(m.nWord)
	buf := make([]byte, 0, 4*max(len(m.w), len(m.buckets)))
	for _, b := range m.buckets {
		buf = le.AppendUint32(buf, b)
	}
	p.Write(buf)
	for _, fs := range [][]float32{m.idf, m.bias, m.w} {
		buf = buf[:0]
		for _, x := range fs {
			buf = le.AppendUint32(buf, math.Float32bits(x))
		}
		p.Write(buf)
	}
	h := make([]byte, 0, headerLen)
	h = append(h, magic...)
	h = le.AppendUint32(h, formatVersion)
	h = le.AppendUint32(h, crc32.ChecksumIEEE(p.Bytes()))
	h = le.AppendUint64(h, uint64(p.Len()))
	n, err := w.Write(h)
	if err != nil {
		return int64(n), err
	}
	n2, err := w.Write(p.Bytes())
	return int64(n + n2), err
}

// Save writes the model to the named file, replacing it atomically: a
// reader sees the old file or the new one, never half of it.
func (m *Model) Save(path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = m.WriteTo(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Load reads a model saved by Save.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Read reads a model in the file format written by WriteTo. A damaged,
// truncated or foreign file is an error wrapping ErrBadModel.
func Read(r io.Reader) (*Model, error) {
	h := make([]byte, headerLen)
	if n, err := io.ReadFull(r, h); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrBadModel, n, headerLen)
		}
		return nil, err
	}
	if string(h[:8]) != magic {
		return nil, fmt.Errorf("%w: not a text classifier model (wrong magic)", ErrBadModel)
	}
	le := binary.LittleEndian
	version := le.Uint32(h[8:])
	if version != 1 && version != formatVersion {
		return nil, fmt.Errorf("%w: format version %d, this package reads 1 and %d", ErrBadModel, version, formatVersion)
	}
	sum := le.Uint32(h[12:])
	length := le.Uint64(h[16:])
	if length > maxPayload {
		return nil, fmt.Errorf("%w: payload of %d bytes exceeds the limit of %d", ErrBadModel, length, maxPayload)
	}
	payload, err := io.ReadAll(io.LimitReader(r, int64(length)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(payload)) < length {
		return nil, fmt.Errorf("%w: truncated: payload has %d of %d bytes", ErrBadModel, len(payload), length)
	}
	if uint64(len(payload)) > length {
		return nil, fmt.Errorf("%w: data after the end of the model", ErrBadModel)
	}
	if crc32.ChecksumIEEE(payload) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch (the file is damaged)", ErrBadModel)
	}
	return decode(payload, int(version))
}

// decoder reads the payload, remembering the first error.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d of the payload: %s", ErrBadModel, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.fail("truncated: %d bytes needed, %d left", n, len(d.b)-d.off)
		return nil
	}
	s := d.b[d.off : d.off+n]
	d.off += n
	return s
}

func (d *decoder) u8() int {
	if s := d.take(1); s != nil {
		return int(s[0])
	}
	return 0
}

func (d *decoder) u16() int {
	if s := d.take(2); s != nil {
		return int(binary.LittleEndian.Uint16(s))
	}
	return 0
}

func (d *decoder) u32() int {
	if s := d.take(4); s != nil {
		return int(binary.LittleEndian.Uint32(s))
	}
	return 0
}

func (d *decoder) f64(what string) float64 {
	s := d.take(8)
	if s == nil {
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(s))
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.fail("%s is not a finite number", what)
	}
	return v
}

// f32s reads n float32 values, which must be finite.
func (d *decoder) f32s(n int, what string) []float32 {
	if d.err != nil {
		return nil
	}
	if n > (len(d.b)-d.off)/4 {
		d.fail("truncated: %d %s values needed", n, what)
		return nil
	}
	s := d.take(4 * n)
	out := make([]float32, n)
	for i := range out {
		v := math.Float32frombits(binary.LittleEndian.Uint32(s[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			d.fail("%s value %d is not a finite number", what, i)
			return nil
		}
		out[i] = v
	}
	return out
}

func decode(payload []byte, version int) (*Model, error) {
	d := &decoder{b: payload}
	m := &Model{}
	f := &m.feat
	f.MinWordN, f.MaxWordN, f.MinCharN, f.MaxCharN, f.HashBits = d.u8(), d.u8(), d.u8(), d.u8(), d.u8()
	switch d.u8() {
	case 0:
	case 1:
		f.FoldAccents = true
	default:
		d.fail("accent folding flag is neither 0 nor 1")
	}
	f.CharWeight = d.f64("character weight")
	if d.err == nil && !f.valid() {
		d.fail("feature settings %+v are out of range", *f)
	}
	c := &m.calib
	c.Held = d.u32()
	c.Temperature = d.f64("temperature")
	c.Accuracy = d.f64("held-out accuracy")
	c.ErrorBefore = d.f64("calibration error")
	c.Error = d.f64("calibration error")
	if version >= 2 {
		c.Folds = d.u32()
		c.PriorCorrection = d.f64("prior correction")
		c.MacroF1 = d.f64("held-out macro-F1")
		if d.err == nil && !(c.PriorCorrection >= 0 && c.PriorCorrection <= 1) {
			d.fail("prior correction %v is not in [0,1]", c.PriorCorrection)
		}
		nk := d.u32()
		if d.err == nil && nk > (len(d.b)-d.off)/16 {
			d.fail("truncated: %d knots announced", nk)
		}
		for i := 0; i < nk && d.err == nil; i++ {
			k := Knot{Confidence: d.f64("knot confidence"), Accuracy: d.f64("knot accuracy")}
			switch {
			case d.err != nil:
			case !(k.Confidence >= 0 && k.Confidence <= 1 && k.Accuracy >= 0 && k.Accuracy <= 1):
				d.fail("knot %d is outside [0,1]", i)
			case i > 0 && (k.Confidence <= c.Knots[i-1].Confidence || k.Accuracy < c.Knots[i-1].Accuracy):
				d.fail("knot %d does not follow knot %d", i, i-1)
			}
			c.Knots = append(c.Knots, k)
		}
	} else if c.Held > 0 {
		c.Folds = 1
	}
	if d.err == nil && !(c.Temperature > 0) {
		d.fail("temperature %v is not positive", c.Temperature)
	}
	m.temp = c.Temperature
	m.info.Examples = d.u32()
	m.info.Epochs = d.u32()
	nl := d.u32()
	if d.err == nil && (nl < 2 || nl > maxLabels) {
		d.fail("%d labels, want 2 to %d", nl, maxLabels)
	}
	for i := 0; i < nl && d.err == nil; i++ {
		l := string(d.take(d.u16()))
		switch {
		case d.err != nil:
		case strings.TrimSpace(l) == "" || !utf8.ValidString(l) || len(l) > maxLabelLen:
			d.fail("label %d is blank, too long or not UTF-8", i)
		case i > 0 && l <= m.labels[i-1]:
			d.fail("labels are not distinct and sorted at label %d", i)
		}
		m.labels = append(m.labels, l)
	}
	nr := d.u32()
	m.nWord = d.u32()
	if d.err == nil && (nr > 1<<f.HashBits || m.nWord > nr) {
		d.fail("%d rows (%d of words) do not fit a space of %d buckets", nr, m.nWord, 1<<f.HashBits)
	}
	if d.err == nil && nr > (len(d.b)-d.off)/4 {
		d.fail("truncated: %d rows announced", nr)
	}
	if d.err == nil {
		half := uint32(1) << (f.HashBits - 1)
		raw := d.take(4 * nr)
		m.buckets = make([]uint32, nr)
		for i := range m.buckets {
			b := binary.LittleEndian.Uint32(raw[4*i:])
			switch {
			case b >= 2*half:
				d.fail("bucket %d is outside the hashed space", i)
			case i > 0 && b <= m.buckets[i-1]:
				d.fail("buckets are not strictly ascending at row %d", i)
			case (i < m.nWord) != (b < half):
				d.fail("row %d is in the wrong block", i)
			}
			if d.err != nil {
				break
			}
			m.buckets[i] = b
		}
	}
	m.idf = d.f32s(nr, "IDF")
	m.bias = d.f32s(nl, "bias")
	if d.err == nil && nl > 0 && nr > (len(d.b)-d.off)/4/nl {
		d.fail("truncated: %d×%d weights announced", nr, nl)
	}
	m.w = d.f32s(nr*nl, "weight")
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d bytes after the weights", len(d.b)-d.off)
	}
	if d.err != nil {
		return nil, d.err
	}
	m.info.Classes = nl
	m.info.Features = nr
	m.buckets = slices.Clip(m.buckets)
	m.buildIndex()
	return m, nil
}
