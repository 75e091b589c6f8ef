package rpc

import (
	"context"

	"connectrpc.com/connect"

	pingv1 "github.com/wardhq/ward/proto/ward/ping/v1"
	"github.com/wardhq/ward/proto/ward/ping/v1/pingv1connect"
)

// PingService serves ward.ping.v1.PingService: the no-op baseline of load tests.
type PingService struct{}

var _ pingv1connect.PingServiceHandler = PingService{}

// Ping implements PingService.Ping.
func (PingService) Ping(context.Context, *connect.Request[pingv1.PingRequest]) (*connect.Response[pingv1.PingResponse], error) {
	return connect.NewResponse(&pingv1.PingResponse{}), nil
}
