module raftplay

go 1.26

require (
	github.com/anishathalye/porcupine v1.3.1
	github.com/hashicorp/go-msgpack/v2 v2.1.5
	go.uber.org/goleak v1.3.0
)
