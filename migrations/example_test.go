package migrations_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/wardhq/ward/migrations"
)

// A deployment step, or every replica at start: safe to run from many processes at once.
func ExampleUp() {
	ctx := context.Background()
	db, err := migrations.Open("postgres://ward@localhost:5432/ward?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	applied, err := migrations.Up(ctx, db, migrations.Postgres)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range applied {
		fmt.Printf("applied %s in %v\n", a.Name, a.Duration)
	}
}

// A server refuses to start on a database whose schema does not match the binary.
func ExampleCheck() {
	ctx := context.Background()
	db, err := migrations.Open("postgres://ward@localhost:5432/ward?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	switch err := migrations.Check(ctx, db, migrations.Postgres); {
	case errors.Is(err, migrations.ErrBehind):
		log.Fatal(err) // "the database schema is at version 1 but this ward needs 3; run `ward migrate up`"
	case errors.Is(err, migrations.ErrAhead):
		log.Fatal(err) // a newer ward migrated the database
	case err != nil:
		log.Fatal(err) // cannot reach the database, say
	}
}
