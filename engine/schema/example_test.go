package schema_test

import (
	"fmt"

	"github.com/wardhq/ward/engine/schema"
)

func ExampleCompile() {
	s, err := schema.Compile(`
definition user {}
definition document {
  relation owner: user
  relation viewer: user | user:*
  relation banned: user
  permission view = (owner + viewer) - banned // banned users see nothing
}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, _ := s.Definition("document")
	fmt.Println(doc.Permissions["view"].Expr)
	fmt.Print(s)
	// Output:
	// (owner + viewer) - banned
	// definition user {}
	//
	// definition document {
	//   relation owner: user
	//   relation viewer: user | user:*
	//   relation banned: user
	//   permission view = (owner + viewer) - banned
	// }
}

func ExampleCompile_errors() {
	_, err := schema.Compile(`
definition user {}
definition document {
  relation viewer: usr
  permission view = viewer + editor
}`)
	for _, e := range err.(schema.ErrorList) {
		fmt.Println(e)
	}
	// Output:
	// line 4, column 20: unknown type "usr" in the type list of relation document#viewer
	// line 5, column 30: unknown relation or permission "editor" in permission document#view
}
