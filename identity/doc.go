// Package identity owns ward's identity domain in Ory Kratos's public contract: identities with
// their traits, credentials and addresses (the admin API's create, batch create, get, list,
// update, JSON Patch and delete), password authentication and registration, TOTP and recovery
// codes as second factors, and sessions (issue, whoami with its required AAL, revoke, list,
// extend).
//
// A [Service] is built once from its dependencies (a [store.IdentityStore], a [schema.Registry],
// a [PasswordHasher], a [PasswordPolicy]) and a [Config]; it is safe for concurrent use, and
// several Services (one per node) may share a store. [Service.Run] keeps the whoami cache in step
// with sessions revoked and identities changed through other Services.
//
// # JSON
//
// [Identity] and [Session] marshal to Kratos v1.3.1's JSON, which Ory's client-go decodes: an
// Identity as the public API (whoami) shows it, without credentials or metadata_admin; an
// [AdminView] as the admin API shows it, with metadata_admin and, when asked, credentials. A
// password hash never appears in either (Kratos shows it with include_credential=password; ward
// does not).
//
// # Secrets
//
// Session tokens are random (256 bits), and the store keeps only their SHA-256; passwords reach
// the store only as hashes. Neither a token, a password nor a hash is ever logged.
//
// Second factors (secondfactor.go) are Kratos's totp and lookup_secret credentials: a TOTP key
// is kept as its otpauth:// URL, since checking a code needs the key, and recovery codes as
// Kratos keeps them, since the settings flow reveals them; both are compared in constant time,
// a recovery code is spent by a compare-and-set, and wrong codes drain the identity's login
// bucket. Neither a key nor a code is ever logged.
//
// [store.IdentityStore]: https://pkg.go.dev/github.com/wardhq/ward/store#IdentityStore
package identity
