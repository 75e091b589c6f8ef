package memory_test

import (
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
	"github.com/wardhq/ward/store/storetest"
)

func TestCourierSuite(t *testing.T) {
	storetest.TestCourier(t, func(*testing.T) store.CourierStore { return memory.NewCourierStore() })
}
