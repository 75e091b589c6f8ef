package rpc

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/fault"
)

var connectCodes = map[fault.Code]connect.Code{
	fault.InvalidArgument:    connect.CodeInvalidArgument,
	fault.NotFound:           connect.CodeNotFound,
	fault.AlreadyExists:      connect.CodeAlreadyExists,
	fault.FailedPrecondition: connect.CodeFailedPrecondition,
	fault.Aborted:            connect.CodeAborted,
	fault.Unavailable:        connect.CodeUnavailable,
	fault.ResourceExhausted:  connect.CodeResourceExhausted,
	fault.Canceled:           connect.CodeCanceled,
	fault.DeadlineExceeded:   connect.CodeDeadlineExceeded,
}

// toConnect converts a domain error into a Connect error whose message is safe for the client.
// Internal errors are logged with their cause and reach the client only as "internal error".
func toConnect(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Code != fault.Internal {
		return connect.NewError(connectCodes[fe.Code], errors.New(fe.Public()))
	}
	switch code := fault.CodeOf(err); code {
	case fault.Canceled, fault.DeadlineExceeded:
		return connect.NewError(connectCodes[code], err)
	}
	log.ErrorContext(ctx, "internal error", "error", err)
	return connect.NewError(connect.CodeInternal, errors.New("internal error"))
}

func indexed(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
