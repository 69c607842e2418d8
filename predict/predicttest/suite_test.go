package predicttest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/predict"
)

// The scripted fake conforms, with answers for every type of field.
func TestRunFake(t *testing.T) {
	Run(t, func(t *testing.T) predict.Predictor {
		return New().
			Field("category", predict.Prediction{Value: "Billing", Confidence: 0.7}).
			Field("priority", predict.Prediction{Value: "normal", Confidence: 0.6}).
			Field("devices", predict.Prediction{Value: int64(2), Confidence: 0.5}).
			Field("under_warranty", predict.Prediction{Value: true, Confidence: 0.5})
	})
}

// recorder is a testing.TB that keeps what would have failed the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// The suite's checks catch each way a predictor can break the contract.
func TestCheckResultCatches(t *testing.T) {
	req := &predict.Request{Fields: cloneFields(suiteFields), Messages: suiteConversations()["defect"]}
	for name, tc := range map[string]struct {
		res  *predict.Result
		want string
	}{
		"nil result":        {nil, "nil result"},
		"unnamed":           {&predict.Result{}, "does not name"},
		"negative usage":    {&predict.Result{Predictor: "p", Usage: predict.Usage{TotalTokens: -1}}, "negative usage"},
		"field not asked":   {res(predict.Prediction{Value: "x", Confidence: 0.5}, "internal_note"), "not requested"},
		"outside options":   {res(predict.Prediction{Value: "Hardware", Confidence: 0.5}, "category"), "not one of the options"},
		"confidence":        {res(predict.Prediction{Value: "Billing", Confidence: 1.5}, "category"), "outside [0,1]"},
		"invented evidence": {res(predict.Prediction{Value: "Billing", Confidence: 0.5, Evidence: []predict.Evidence{{Quote: "charged twice"}}}, "category"), "does not occur"},
		"pattern":           {res(predict.Prediction{Value: "12345", Confidence: 0.5}, "serial_number"), "does not match"},
	} {
		r := &recorder{TB: t}
		checkResult(r, name, req, tc.res)
		if len(r.errs) == 0 || !strings.Contains(strings.Join(r.errs, "\n"), tc.want) {
			t.Errorf("%s: reported %q, want a report with %q", name, r.errs, tc.want)
		}
	}
	r := &recorder{TB: t}
	checkResult(r, "fine", req, res(predict.Prediction{Value: "Product defect", Confidence: 0.8, Evidence: []predict.Evidence{{Quote: "camera died"}}}, "category"))
	if len(r.errs) > 0 {
		t.Errorf("a conforming result was reported: %q", r.errs)
	}
}

func res(p predict.Prediction, field string) *predict.Result {
	return &predict.Result{Predictor: "p", Predictions: map[string]predict.Prediction{field: p}}
}

// A fake that ignores the context is reported by the suite's done-context
// check only when it errs with something else; here it errs correctly.
func TestRunErrors(t *testing.T) {
	Run(t, func(t *testing.T) predict.Predictor {
		return predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("model call: %w", err)
			}
			return &predict.Result{Predictor: "ctx-aware", Predictions: map[string]predict.Prediction{}}, nil
		})
	})
}
