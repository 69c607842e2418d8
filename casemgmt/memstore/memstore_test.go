package memstore_test

import (
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) casemgmt.Store { return memstore.New() })
}
