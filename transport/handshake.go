package transport

import (
	"encoding/binary"
	"fmt"
	"io"
)

// The handshake opens every connection. The dialer sends a hello, the
// acceptor checks it and answers with a one-byte verdict after its own magic.
// Anything but handshakeOK means the acceptor closes the connection.
//
//	hello: magic[4] "RPLY" | version uint16 | cluster uint64 | from uint64 | to uint64   (30 bytes, big endian)
//	reply: magic[4] "RPLY" | verdict uint8                                              (5 bytes)

// ProtocolVersion is the wire protocol version carried in every handshake.
const ProtocolVersion uint16 = 1

const (
	helloLen = 30
	replyLen = 5
)

var handshakeMagic = [4]byte{'R', 'P', 'L', 'Y'}

// verdict is the acceptor's answer to a hello.
type verdict uint8

const (
	handshakeOK verdict = iota
	refusedMagic
	refusedVersion
	refusedCluster
	refusedTo
	refusedFrom
)

func (v verdict) String() string {
	switch v {
	case handshakeOK:
		return "ok"
	case refusedMagic:
		return "bad magic"
	case refusedVersion:
		return "protocol version mismatch"
	case refusedCluster:
		return "cluster id mismatch"
	case refusedTo:
		return "addressed to another node"
	case refusedFrom:
		return "bad sender id"
	}
	return fmt.Sprintf("verdict %d", uint8(v))
}

// hello is what a dialer says about itself.
type hello struct {
	version uint16
	cluster uint64
	from    uint64
	to      uint64
}

func (h hello) marshal() []byte {
	b := make([]byte, helloLen)
	copy(b, handshakeMagic[:])
	binary.BigEndian.PutUint16(b[4:], h.version)
	binary.BigEndian.PutUint64(b[6:], h.cluster)
	binary.BigEndian.PutUint64(b[14:], h.from)
	binary.BigEndian.PutUint64(b[22:], h.to)
	return b
}

// readHello reads a hello; a wrong magic is reported as refusedMagic.
func readHello(r io.Reader) (hello, verdict, error) {
	var b [helloLen]byte
	// The magic first, so a stranger speaking another protocol is refused
	// at once instead of when the hello read times out.
	if _, err := io.ReadFull(r, b[:4]); err != nil {
		return hello{}, 0, fmt.Errorf("transport: read hello: %w", err)
	}
	if [4]byte(b[:4]) != handshakeMagic {
		return hello{}, refusedMagic, nil
	}
	if _, err := io.ReadFull(r, b[4:]); err != nil {
		return hello{}, 0, fmt.Errorf("transport: read hello: %w", err)
	}
	return hello{
		version: binary.BigEndian.Uint16(b[4:]),
		cluster: binary.BigEndian.Uint64(b[6:]),
		from:    binary.BigEndian.Uint64(b[14:]),
		to:      binary.BigEndian.Uint64(b[22:]),
	}, handshakeOK, nil
}

// check returns the verdict of the node (cluster, self) on h.
func (h hello) check(cluster, self uint64) verdict {
	switch {
	case h.version != ProtocolVersion:
		return refusedVersion
	case h.cluster != cluster:
		return refusedCluster
	case h.to != self:
		return refusedTo
	case h.from == 0 || h.from == self:
		return refusedFrom
	}
	return handshakeOK
}

func marshalReply(v verdict) []byte {
	b := make([]byte, replyLen)
	copy(b, handshakeMagic[:])
	b[4] = byte(v)
	return b
}

// readReply reads the acceptor's verdict.
func readReply(r io.Reader) (verdict, error) {
	var b [replyLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, fmt.Errorf("transport: read handshake reply: %w", err)
	}
	if [4]byte(b[:4]) != handshakeMagic {
		return 0, fmt.Errorf("transport: handshake reply: bad magic %q", b[:4])
	}
	return verdict(b[4]), nil
}
