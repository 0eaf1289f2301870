module raftplay

go 1.26
