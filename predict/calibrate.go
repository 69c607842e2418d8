package predict

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// ErrCalibration means a calibration cannot be used: its maps are not
// monotone, or hold numbers outside [0,1].
var ErrCalibration = errors.New("predict: bad calibration")

// Calibration maps a predictor's self-reported confidence to the
// probability, measured on labelled cases, that a value given that
// confidence is right. It has a map per field fitted on enough examples
// and a global map for the others. Learn one with eval.FitCalibration,
// keep it with Save or WriteJSON, and apply it with Calibrate.
//
// A Calibration is plain data; it is safe for concurrent use once no one
// modifies it.
type Calibration struct {
	// Predictor names what was calibrated, for people reading the file.
	Predictor string `json:"predictor,omitempty"`
	// Global maps the confidence of fields without a map of their own.
	Global CalibrationMap `json:"global"`
	// Fields holds the maps of fields seen often enough, by field name.
	Fields map[string]CalibrationMap `json:"fields,omitempty"`
}

// CalibrationMap is a non-decreasing map from confidence to probability:
// linear between its knots, flat beyond the first and the last. A map
// without knots leaves the confidence as it is.
type CalibrationMap struct {
	// Examples is the number of answers the map was fitted on.
	Examples int `json:"examples"`
	// ErrorBefore and ErrorAfter are the expected calibration errors (10
	// equal-width bins) of those answers before and after the map.
	ErrorBefore float64 `json:"error_before"`
	ErrorAfter  float64 `json:"error_after"`
	// Knots are in increasing order of Confidence, with non-decreasing
	// Probability.
	Knots []CalibrationKnot `json:"knots"`
}

// CalibrationKnot is one point of a CalibrationMap.
type CalibrationKnot struct {
	Confidence  float64 `json:"confidence"`
	Probability float64 `json:"probability"`
}

// Apply maps a confidence through m.
func (m *CalibrationMap) Apply(c float64) float64 {
	k := m.Knots
	switch {
	case len(k) == 0:
		return c
	case c <= k[0].Confidence:
		return k[0].Probability
	case c >= k[len(k)-1].Confidence:
		return k[len(k)-1].Probability
	}
	for i := 1; i < len(k); i++ {
		if c <= k[i].Confidence {
			a, b := k[i-1], k[i]
			t := (c - a.Confidence) / (b.Confidence - a.Confidence)
			return a.Probability + t*(b.Probability-a.Probability)
		}
	}
	return k[len(k)-1].Probability
}

func (m *CalibrationMap) check(name string) error {
	for i, k := range m.Knots {
		if !(k.Confidence >= 0 && k.Confidence <= 1 && k.Probability >= 0 && k.Probability <= 1) {
			return fmt.Errorf("%w: %s: knot %d (%v, %v) outside [0,1]", ErrCalibration, name, i, k.Confidence, k.Probability)
		}
		if i > 0 && (k.Confidence <= m.Knots[i-1].Confidence || k.Probability < m.Knots[i-1].Probability) {
			return fmt.Errorf("%w: %s: knot %d does not increase", ErrCalibration, name, i)
		}
	}
	return nil
}

// Validate reports whether every map of c is monotone inside [0,1].
func (c *Calibration) Validate() error {
	if c == nil {
		return fmt.Errorf("%w: nil", ErrCalibration)
	}
	if err := c.Global.check("global map"); err != nil {
		return err
	}
	for name, m := range c.Fields {
		if err := m.check("field " + name); err != nil {
			return err
		}
	}
	return nil
}

// Map returns the calibrated confidence of an answer for field: through
// the field's map when there is one, else through the global map.
func (c *Calibration) Map(field string, confidence float64) float64 {
	m, ok := c.Fields[field]
	if !ok {
		m = c.Global
	}
	p := m.Apply(confidence)
	if math.IsNaN(p) {
		return confidence
	}
	return min(max(p, 0), 1)
}

// WriteJSON writes c as indented JSON.
func (c *Calibration) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadCalibration reads a calibration written by WriteJSON and validates
// it.
func ReadCalibration(r io.Reader) (*Calibration, error) {
	var c Calibration
	dec := json.NewDecoder(io.LimitReader(r, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCalibration, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: more than one JSON value", ErrCalibration)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Save writes c to a file as JSON.
func (c *Calibration) Save(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := c.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LoadCalibration reads a calibration saved with Save.
func LoadCalibration(path string) (*Calibration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ReadCalibration(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Calibrate returns a Predictor that asks p and maps the confidence of
// each of its answers through c. Values, evidence, usage and the
// predictor's name are p's own: calibration changes confidences only, and
// never adds or removes an answer. The Predictor is safe for concurrent
// use when p is; c must not be modified while it is in use.
func Calibrate(p Predictor, c *Calibration) (Predictor, error) {
	if p == nil {
		return nil, ErrNoPredictor
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return Func(func(ctx context.Context, req *Request) (*Result, error) {
		res, err := p.Predict(ctx, req)
		if err != nil || res == nil {
			return res, err
		}
		out := *res
		out.Predictions = make(map[string]Prediction, len(res.Predictions))
		for name, pr := range res.Predictions {
			pr.Confidence = c.Map(name, pr.Confidence)
			out.Predictions[name] = pr
		}
		return &out, nil
	}), nil
}
