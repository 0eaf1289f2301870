module raftplay

go 1.26

require github.com/hashicorp/go-msgpack/v2 v2.1.5

require go.uber.org/goleak v1.3.0
