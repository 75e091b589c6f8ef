package migrations

import (
	"errors"
	"testing"
)

func TestCompare(t *testing.T) {
	const what, command = "the database schema", "ward migrate up"
	for _, tc := range []struct {
		name           string
		known, applied []int64
		kind           error // ErrBehind, ErrAhead, nil; ignored when plain
		plain          bool  // an error that is neither
		msg            string
	}{
		{name: "current", known: []int64{1, 2}, applied: []int64{1, 2}},
		{name: "never migrated", known: []int64{1}, applied: nil, kind: ErrBehind,
			msg: "the database schema is at version 0 but this ward needs 1; run `ward migrate up`"},
		{name: "behind", known: []int64{1, 2, 3}, applied: []int64{1}, kind: ErrBehind,
			msg: "the database schema is at version 1 but this ward needs 3; run `ward migrate up`"},
		{name: "ahead", known: []int64{1, 2}, applied: []int64{1, 2, 3}, kind: ErrAhead,
			msg: "the database schema is at version 3 but this ward knows only up to 2: a newer ward migrated it; run that ward instead"},
		{name: "ahead and behind", known: []int64{1, 2}, applied: []int64{1, 5}, kind: ErrAhead,
			msg: "the database schema is at version 5 but this ward knows only up to 2: a newer ward migrated it; run that ward instead"},
		{name: "gap", known: []int64{1, 2, 3}, applied: []int64{1, 3}, kind: ErrBehind,
			msg: "the database schema is at version 3 but lacks migration 2, which this ward needs; it was migrated out of order and `ward migrate up` will not fix it"},
		{name: "foreign", known: []int64{1, 3}, applied: []int64{1, 2}, plain: true,
			msg: "the database schema has migration 2, which this ward does not have: it was migrated by a different build of ward"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := compare(what, command, tc.known, tc.applied)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("compare: %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tc.msg {
				t.Fatalf("compare: %v\nwant: %s", err, tc.msg)
			}
			behind, ahead := errors.Is(err, ErrBehind), errors.Is(err, ErrAhead)
			switch {
			case tc.plain && (behind || ahead):
				t.Errorf("error wraps ErrBehind=%v ErrAhead=%v, want neither", behind, ahead)
			case !tc.plain && !errors.Is(err, tc.kind):
				t.Errorf("error does not wrap %v", tc.kind)
			case !tc.plain && behind && ahead:
				t.Errorf("error wraps both ErrBehind and ErrAhead")
			}
		})
	}
}
