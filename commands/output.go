package commands

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// errNoReader is why CreateOutput refused a named pipe: no process has it
// open for reading.
var errNoReader = errors.New("it is a named pipe no one is reading from (start its reader first)")

// CreateOutput creates or truncates the output file at path, as os.Create
// does, but never waits. Opening a named pipe for writing waits until a
// reader opens it, and a signal did not end that wait (raftplay script
// --trace FIFO with no reader hung until a second ctrl+c killed it without
// cleaning up): a pipe no one reads is refused with errNoReader. A pipe
// with a reader is written as usual; its writes wait in Go's poller, not in
// the kernel, so a signal still stops the run.
func CreateOutput(path string) (*os.File, error) {
	if IsNamedPipe(path) {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if errors.Is(err, syscall.ENXIO) {
			return nil, &fs.PathError{Op: "open", Path: path, Err: errNoReader}
		}
		return f, err
	}
	return os.Create(path)
}

// IsNamedPipe reports whether path (its links followed) is a named pipe.
func IsNamedPipe(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&os.ModeNamedPipe != 0
}
