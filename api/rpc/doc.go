// Package rpc is ward's Connect-RPC surface (gRPC, gRPC-Web and Connect on one port): the
// permission, relationship, schema and ping services, the OAuth2 admin service and the Connect
// token introspection. It decodes a message, calls a domain package, and encodes the answer; it
// holds no domain logic. It converts between generated proto types and domain types, and maps
// domain faults to Connect codes with messages safe for the client.
package rpc
