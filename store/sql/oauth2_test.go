package sql_test

import (
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/storetest"
)

func TestOAuth2Suite(t *testing.T) {
	storetest.TestOAuth2(t, func(t *testing.T) store.OAuth2Store {
		return openStore(t, freshDatabase(t)).OAuth2()
	})
}
