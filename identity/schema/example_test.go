package schema_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/wardhq/ward/identity/schema"
)

func ExampleRegistry_Validate() {
	// No schema configured: the built-in one (email, optional name) is the default.
	r, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		panic(err)
	}
	err = r.Validate(context.Background(), "", []byte(`{"email":"jo","name":{"first":7}}`))
	var ve *schema.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			fmt.Printf("%s %s %v\n", v.Field(), v.Keyword, v.Params)
		}
	}
	// Output:
	// traits.email format map[reason:"jo" is not valid "email"]
	// traits.email minLength map[actual_length:2 min_length:3]
	// traits.name.first type map[actual_type:number allowed_types:[string]]
}

func ExampleRegistry_Extract() {
	r, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		panic(err)
	}
	ex, err := r.Extract(context.Background(), "", []byte(`{"email":"Jane@Example.com"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(ex.Identifiers[schema.CredentialPassword])
	fmt.Println(ex.VerifiableAddresses, ex.RecoveryAddresses)
	// Output:
	// [jane@example.com]
	// [{email jane@example.com}] [{email jane@example.com}]
}

func ExampleRegistry_Fields() {
	r, err := schema.NewRegistry(schema.Config{})
	if err != nil {
		panic(err)
	}
	fields, err := r.Fields("")
	if err != nil {
		panic(err)
	}
	for _, f := range fields {
		fmt.Printf("%s type=%s required=%v label=%q\n", f.Name, f.Type, f.Required, f.Title)
	}
	// Output:
	// traits.email type=email required=true label="E-Mail"
	// traits.name.first type=text required=false label="First Name"
	// traits.name.last type=text required=false label="Last Name"
}
