package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
)

// HTTPOp performs one operation over a node's HTTP API (addr is its
// host:port) and says what the client can know of it: known (out holds the
// result), unknown (out.Unknown: a write that may or may not take effect),
// or refused with no effect (neither). Redirects to the leader are followed
// by hc. It is the client side of the linearizability checks.
func HTTPOp(ctx context.Context, hc *http.Client, addr string, in OpInput) (out OpOutput, known bool) {
	url := "http://" + addr + "/kv/" + url.PathEscape(in.Key)
	var req *http.Request
	switch in.Op {
	case OpPut:
		req, _ = http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader([]byte(in.Value)))
	case OpDel:
		req, _ = http.NewRequestWithContext(ctx, http.MethodDelete, url, nil)
	default:
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return OpOutput{}, false // never reached a node: no effect
		}
		return OpOutput{Unknown: true}, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return OpOutput{Unknown: true}, false
	}
	switch {
	case resp.StatusCode == http.StatusOK && in.Op == OpGet:
		return OpOutput{Value: string(body), Found: true}, true
	case resp.StatusCode == http.StatusNotFound && in.Op == OpGet:
		return OpOutput{}, true
	case resp.StatusCode == http.StatusOK:
		return OpOutput{}, true
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout:
		var e httpError
		if json.Unmarshal(body, &e) == nil && e.Effect == effectNone {
			return OpOutput{}, false // refused, or a read: no effect
		}
	}
	return OpOutput{Unknown: true}, false
}
