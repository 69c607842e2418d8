package predict_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/predicttest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// overconfident maps everything it is unsure of down: 0.95 becomes 0.6.
func overconfident() *predict.Calibration {
	return &predict.Calibration{
		Predictor: "fake",
		Global:    predict.CalibrationMap{Knots: []predict.CalibrationKnot{{Confidence: 0.5, Probability: 0.2}, {Confidence: 0.95, Probability: 0.6}}},
		Fields: map[string]predict.CalibrationMap{
			"priority": {Knots: []predict.CalibrationKnot{{Confidence: 0.9, Probability: 0.85}}},
		},
	}
}

func TestCalibrationMap(t *testing.T) {
	c := overconfident()
	tests := []struct {
		field string
		conf  float64
		want  float64
	}{
		{"category", 0.95, 0.6},
		{"category", 1, 0.6},     // flat beyond the last knot
		{"category", 0.1, 0.2},   // flat before the first
		{"category", 0.725, 0.4}, // linear between knots
		{"product", 0.5, 0.2},    // no map of its own: the global one
		{"priority", 0.2, 0.85},  // a one-knot map is a constant
		{"priority", 0.99, 0.85},
	}
	for _, tt := range tests {
		if got := c.Map(tt.field, tt.conf); !cmp.Equal(got, tt.want, cmpopts.EquateApprox(0, 1e-9)) {
			t.Errorf("Map(%s, %v) = %v, want %v", tt.field, tt.conf, got, tt.want)
		}
	}
	empty := &predict.Calibration{}
	if got := empty.Map("category", 0.7); got != 0.7 {
		t.Errorf("a map without knots changed 0.7 to %v", got)
	}
}

func TestCalibrateChangesConfidenceOnly(t *testing.T) {
	ev := []predict.Evidence{{MessageID: "m1", Quote: "my invoice is wrong"}}
	raw := predicttest.New().Named("fake").
		Field("category", predict.Prediction{Value: "Billing", Confidence: 0.95, Evidence: ev}).
		Field("priority", predict.Prediction{Value: "High", Confidence: 0.9})
	p, err := predict.Calibrate(raw, overconfident())
	if err != nil {
		t.Fatal(err)
	}
	req := &predict.Request{
		Fields:   []predict.Field{{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}}}, {Name: "priority", Type: predict.TypeChoice, Options: []predict.Option{{Value: "High"}}}},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "my invoice is wrong"}},
	}
	got, err := p.Predict(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := &predict.Result{Predictor: "fake", Predictions: map[string]predict.Prediction{
		"category": {Value: "Billing", Confidence: 0.6, Evidence: ev},
		"priority": {Value: "High", Confidence: 0.85},
	}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("calibrated result (-want +got):\n%s", diff)
	}
	// The wrapped predictor's own result is left as it was.
	again, _ := raw.Predict(context.Background(), req)
	if c := again.Predictions["category"].Confidence; c != 0.95 {
		t.Errorf("the wrapped predictor now says %v", c)
	}
}

func TestCalibratePassesErrors(t *testing.T) {
	down := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return nil, errors.New("model unavailable")
	})
	p, err := predict.Calibrate(down, overconfident())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Predict(context.Background(), &predict.Request{}); err == nil || err.Error() != "model unavailable" {
		t.Errorf("error = %v, want the wrapped predictor's", err)
	}
}

func TestCalibrateRejects(t *testing.T) {
	raw := predicttest.New()
	tests := map[string]struct {
		p predict.Predictor
		c *predict.Calibration
	}{
		"nil predictor":   {nil, overconfident()},
		"nil calibration": {raw, nil},
		"decreasing": {raw, &predict.Calibration{Global: predict.CalibrationMap{Knots: []predict.CalibrationKnot{
			{Confidence: 0.5, Probability: 0.7}, {Confidence: 0.9, Probability: 0.6}}}}},
		"out of range": {raw, &predict.Calibration{Fields: map[string]predict.CalibrationMap{"category": {Knots: []predict.CalibrationKnot{
			{Confidence: 0.5, Probability: 1.2}}}}}},
	}
	for name, tt := range tests {
		if _, err := predict.Calibrate(tt.p, tt.c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCalibrationJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := overconfident().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := predict.ReadCalibration(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(overconfident(), got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	path := t.TempDir() + "/cal.json"
	if err := overconfident().Save(path); err != nil {
		t.Fatal(err)
	}
	if got, err = predict.LoadCalibration(path); err != nil || !cmp.Equal(overconfident(), got) {
		t.Errorf("LoadCalibration = %v, %v", got, err)
	}
	for name, in := range map[string]string{
		"not JSON":      "knots",
		"two values":    `{"global":{"knots":[]}}{}`,
		"unknown key":   `{"global":{"knots":[]},"temperature":2}`,
		"not monotone":  `{"global":{"knots":[{"confidence":0.9,"probability":0.5},{"confidence":0.5,"probability":0.6}]}}`,
		"out of bounds": `{"global":{"knots":[{"confidence":-1,"probability":0.5}]}}`,
	} {
		if _, err := predict.ReadCalibration(strings.NewReader(in)); !errors.Is(err, predict.ErrCalibration) {
			t.Errorf("%s: error %v, want ErrCalibration", name, err)
		}
	}
}

// A calibrated conforming predictor conforms.
func TestConformanceCalibrated(t *testing.T) {
	predicttest.Run(t, func(t *testing.T) predict.Predictor {
		raw := predicttest.New().Named("fake").
			Field("category", predict.Prediction{Value: "Billing", Confidence: 0.95}).
			Field("priority", predict.Prediction{Value: "Low", Confidence: 0.3})
		p, err := predict.Calibrate(raw, overconfident())
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}
