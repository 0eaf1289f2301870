package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// MaxValueBytes bounds a value written over HTTP (and by `bench --payload`).
const MaxValueBytes = 1 << 20

// httpHandler serves the node's HTTP API (COMMANDS.md, "HTTP API"):
//
//	PUT    /kv/KEY   body = value -> 200 {"index":I,"term":T}
//	GET    /kv/KEY                -> 200 value, or 404
//	DELETE /kv/KEY                -> 200 {"index":I,"term":T}
//	GET    /status                -> 200 node status as JSON
//
// A node that is not the leader redirects (307) to the same path on the
// leader, or answers 503 with {"error":...,"leader":""} when it knows none.
func (n *node) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, n.status.Load())
	})
	mux.HandleFunc("PUT /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxValueBytes+1))
		if err != nil {
			writeError(w, http.StatusBadRequest, "reading body: "+err.Error(), "")
			return
		}
		if len(body) > MaxValueBytes {
			writeError(w, http.StatusRequestEntityTooLarge, "value larger than 1 MiB", "")
			return
		}
		n.serveOp(w, r, Command{Op: OpPut, Key: r.PathValue("key"), Value: body})
	})
	mux.HandleFunc("DELETE /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		n.serveOp(w, r, Command{Op: OpDel, Key: r.PathValue("key")})
	})
	mux.HandleFunc("GET /kv/{key}", func(w http.ResponseWriter, r *http.Request) {
		n.serveOp(w, r, Command{Op: OpGet, Key: r.PathValue("key")})
	})
	return mux
}

func (n *node) serveOp(w http.ResponseWriter, r *http.Request, cmd Command) {
	if cmd.Key == "" || len(cmd.Key) > MaxKeyBytes {
		writeError(w, http.StatusBadRequest, "key must be 1 to 65536 bytes", "")
		return
	}
	st := n.status.Load()
	if st.Role != "leader" || n.paused.Load() {
		if st.Leader != 0 && st.Leader != n.cfg.id {
			if addr := n.cfg.leaderHTTP(st.Leader); addr != "" {
				http.Redirect(w, r, "http://"+addr+r.URL.RequestURI(), http.StatusTemporaryRedirect)
				return
			}
		}
		writeError(w, http.StatusServiceUnavailable, "no leader known", "")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), DefaultOpTimeout)
	defer cancel()
	var res Result
	var err error
	if cmd.Op == OpGet {
		res, err = n.read(ctx, cmd.Key, nil)
	} else {
		res, err = n.submit(ctx, cmd.Encode(nil))
	}
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, "timed out; the operation's effect is unknown", "")
		return
	case errors.Is(err, errNodePaused):
		writeError(w, http.StatusServiceUnavailable, "node is paused", "")
		return
	default:
		writeError(w, http.StatusServiceUnavailable, strings.TrimPrefix(err.Error(), "cluster: "), "")
		return
	}
	if cmd.Op == OpGet {
		if !res.Found {
			writeError(w, http.StatusNotFound, "no such key", "")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(res.Value)
		return
	}
	n.cfg.written.Add(1)
	writeJSON(w, http.StatusOK, map[string]uint64{"index": res.Index, "term": res.Term})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg, leader string) {
	writeJSON(w, code, map[string]string{"error": msg, "leader": leader})
}
