// Package connectapi is ward's transport: the Connect-RPC handlers (gRPC, gRPC-Web and Connect on
// one port), the interceptors that log and measure them, the health routes, and the two listeners'
// muxes — public and admin — that they are mounted on. It decodes, calls a domain package, and
// encodes; it holds no domain logic. It is also the only package that converts between generated
// proto types and domain types.
package connectapi
