package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"raftplay/cluster"
	"raftplay/commands"
	"raftplay/record"
)

// addRecordFlag adds --record FILE to fs.
func addRecordFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("record", "", "record "+what+" into this `FILE` (statuses, events, messages, commands; gzipped JSON lines; replaced if it exists): raftplay replay FILE plays it")
}

// checkRecordFile reports a --record file that cannot be created, before
// the cluster starts. It returns unmake, which removes the file again if
// this check created it: a run that could not start leaves no empty
// recording behind (and an existing file as it was); and done, for the
// end of the run (deferred once the check passed).
//
// A named pipe no one reads is refused here too: bench, chaos and
// experiment start recording once their cluster runs, and learned of it
// only then (chaos at the end of its run, as a nemesis error). Its reader
// takes the last writer's close for the end of the recording, so the
// check's end of the pipe is held open until done or unmake, and the
// recording opens a second. The runs with record stop (script, dashboard)
// call done once their recording holds its own end: held on, the reader
// read past record stop until the run ended.
func checkRecordFile(file string) (unmake, done func(), err error) {
	unmake, done = func() {}, func() {}
	if file == "" {
		return unmake, done, nil
	}
	if commands.IsNamedPipe(file) {
		f, err := commands.CreateOutput(file)
		if err != nil {
			return unmake, done, usagef("--record %s: %s", file, commands.PathReason(err))
		}
		release := sync.OnceFunc(func() { f.Close() })
		return release, release, nil
	}
	if file == "-" {
		// As checkOutputs says it: bench and learn, which do not call
		// it, made a file named - (and said "raftplay replay -").
		return unmake, done, checkOutputs(nil, []namedFile{{"--record", file}})
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		fi, statErr := f.Stat()
		unmake = func() {
			// Only the empty file this check made, still in its place.
			if now, err := os.Stat(file); err == nil && statErr == nil && os.SameFile(fi, now) && now.Size() == 0 {
				os.Remove(file)
			}
		}
	} else if errors.Is(err, fs.ErrExist) {
		f, err = os.OpenFile(file, os.O_WRONLY, 0)
	}
	if err != nil {
		return func() {}, done, usagef("--record %s: %s", file, commands.PathReason(err))
	}
	return unmake, done, f.Close()
}

// recording is the recording switch of a run with a cluster: `record start
// FILE` / `record stop` at its prompt or in its script, and --record FILE.
// It is the runners' commands.Recording.
type recording struct {
	sw      *record.Switch
	guard   []namedFile // the run's other files: record start refuses them
	dataDir string      // the cluster's data directory: nothing is saved or recorded in it
	made    []string    // the recordings this run finished: save refuses them

	stopAfter func() bool // ends the wait for the run's end (newRecording)
}

// newRecording returns the switch for c, started into file unless it is
// "". `record start` refuses the files in guard (the script the run
// reads, its --trace and --log).
//
// Once ctx ends (a signal), the recording's writes wait at most
// outputGrace, as the other outputs' do: into a pipe whose reader stopped
// reading they held the run past the signal.
func newRecording(ctx context.Context, c *cluster.Cluster, opts cluster.Options, run, file string, guard ...namedFile) (*recording, error) {
	r := &recording{sw: record.NewSwitch(c, record.OptionsOf(opts, run), record.WriterOptions{}), guard: guard, dataDir: opts.DataDir}
	r.stopAfter = context.AfterFunc(ctx, func() { r.sw.Interrupt(outputGrace) })
	if file != "" {
		if err := r.sw.StartWithHeld(file); err != nil {
			r.stopAfter()
			return nil, fmt.Errorf("--record %s: %v", file, err)
		}
	}
	return r, nil
}

// runnerOptions returns o with the recorder's hooks: every command that
// ran goes into the recording in progress, and record start|stop work.
func (r *recording) runnerOptions(o commands.RunnerOptions) commands.RunnerOptions {
	o.Observe, o.Record, o.Owned = r.sw.Observe, r, r.owned
	return o
}

// Start starts recording into file (`record start FILE`), unless file is
// one the run reads or writes already. A file there already (an earlier
// recording: a record start over one lost it) is kept as FILE~, and kept
// says so.
func (r *recording) Start(file string) (kept string, err error) {
	if err := r.refuse(file, "recording", r.guard); err != nil {
		return "", err
	}
	if r.sw.Recording() != "" {
		return "", r.sw.Start(file) // already recording: it says so, and nothing is moved
	}
	kept, undo, err := commands.KeepAside(file)
	if err != nil {
		return "", fmt.Errorf("%v (nothing was recorded; record to another file)", err)
	}
	if err := r.sw.Start(file); err != nil {
		undo()
		return "", err
	}
	return kept, nil
}

// owned says why `save` must not write file: one the run reads or
// writes already (nil: it may).
func (r *recording) owned(file string) error {
	own := append(slices.Clone(r.guard), namedFile{"the recording in progress", r.sw.Recording()})
	for _, f := range r.made {
		own = append(own, namedFile{"a recording", f})
	}
	return r.refuse(file, "saving", own)
}

// refuse says why file must not be written (doing names the writing): one
// of the files in own, or one inside the data directory (nil: it may).
func (r *recording) refuse(file, doing string, own []namedFile) error {
	for _, g := range own {
		if g.path != "" && g.path != "-" && sameFile(g.path, file) {
			return fmt.Errorf("%s is %s of this run: %s into it would destroy it (choose another file)", cluster.EscapeControls(file), g.what, doing)
		}
	}
	if inside(file, r.dataDir) {
		return fmt.Errorf("%s is inside the data directory of this run (%s), which holds the nodes' logs: choose a file outside it", cluster.EscapeControls(file), cluster.EscapeControls(r.dataDir))
	}
	return nil
}

// inside reports whether file is dir or lies under it, symbolic links
// followed (file itself need not exist yet).
func inside(file, dir string) bool {
	if dir == "" {
		return false
	}
	real := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return r
		}
		// Not there yet: its directory, resolved, and its name.
		if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			return filepath.Join(r, filepath.Base(abs))
		}
		return abs
	}
	f, d := real(file), real(dir)
	return f == d || strings.HasPrefix(f, d+string(filepath.Separator))
}

// Stop ends the recording in progress (`record stop`).
func (r *recording) Stop() (string, error) {
	file := r.sw.Recording()
	out, err := r.sw.Stop()
	if err == nil && file != "" {
		r.made = append(r.made, file)
	}
	return out, err
}

// close ends the recording in progress, if any, and says where it is.
func (r *recording) close(stderr io.Writer) error {
	defer r.stopAfter()
	file := r.sw.Recording()
	if file == "" {
		return nil
	}
	if err := r.sw.Close(); err != nil {
		return fmt.Errorf("recording %s: %v", file, strings.TrimPrefix(err.Error(), "record: "))
	}
	fmt.Fprintf(stderr, "raftplay: recorded to %s (raftplay replay %s)\n", cluster.EscapeControls(file), cluster.EscapeControls(file))
	return nil
}

// recordHook returns a function that starts recording a cluster into
// file, for the runs that start their clusters themselves (bench, chaos,
// experiment); nil when file is "". Once ctx ends (a signal), its writes
// wait at most outputGrace, as newRecording's do: into a pipe whose reader
// stopped reading they held the run past the signal.
func recordHook(ctx context.Context, file string, opts cluster.Options, run string) func(c *cluster.Cluster) (stop func() error) {
	if file == "" {
		return nil
	}
	return func(c *cluster.Cluster) func() error {
		o := opts
		o.Timing = c.Timing()
		sw := record.NewSwitch(c, record.OptionsOf(o, run), record.WriterOptions{})
		stopAfter := context.AfterFunc(ctx, func() { sw.Interrupt(outputGrace) })
		if err := sw.StartWithHeld(file); err != nil {
			stopAfter()
			return func() error { return err }
		}
		return func() error {
			defer stopAfter()
			_, err := sw.Stop()
			if u := errors.Unwrap(err); u != nil && strings.HasPrefix(err.Error(), "record: ") {
				err = u // its cause, still a *fs.PathError (PathReason)
			}
			return err
		}
	}
}

// rangeFile names the recording of range idx (from 0) of an experiment
// with n ranges: FILE itself for one range, else FILE with -range-N
// before its extensions (run.rec.gz: run-range-1.rec.gz).
func rangeFile(file string, idx, n int) string {
	if n <= 1 {
		return file
	}
	dir, base := filepath.Split(file)
	stem, ext := base, ""
	if i := strings.IndexByte(base[1:], '.'); i >= 0 {
		stem, ext = base[:i+1], base[i+1:]
	}
	return filepath.Join(dir, fmt.Sprintf("%s-range-%d%s", stem, idx+1, ext))
}

// namedFile is a file a flag or an argument names: what names it
// ("--record", "the script", ...) and its path ("" for none).
type namedFile struct{ what, path string }

// checkOutputs refuses a run whose output file is one of its inputs, or
// another of its outputs: writing it would destroy what it reads, or two
// streams would overwrite each other. Standard input and output ("-") and
// unset files ("") are left out.
func checkOutputs(inputs, outputs []namedFile) error {
	for i, out := range outputs {
		if out.path == "-" && (out.what == "--log" || out.what == "--trace" || out.what == "--record") {
			// It made a file named "-" in the current directory, where
			// "-" means a standard stream everywhere else (a CI user).
			return usagef("%s -: give a file (%s writes no standard stream; standard output carries the run's own output)", out.what, out.what)
		}
		if out.path == "" || out.path == "-" {
			continue
		}
		for _, in := range inputs {
			if in.path != "" && in.path != "-" && sameFile(in.path, out.path) {
				return usagef("%s %s: that is %s this run reads; writing it would destroy it (choose another file)", out.what, out.path, in.what)
			}
		}
		for _, o := range outputs[:i] {
			if o.path != "" && o.path != "-" && sameFile(o.path, out.path) {
				return usagef("%s %s: %s writes that file too (choose another file for one of them)", out.what, out.path, o.what)
			}
		}
	}
	return nil
}

// outsideData refuses an output file inside the data directory data
// ("" for none), which holds the nodes' logs: created or truncated there,
// it could overwrite a WAL segment or the CLUSTER file (a CI user's --log
// DATA/node-1/...wal destroyed node 1's log before the run started, and
// --record over node 2's segment exited 0).
func outsideData(data string, outputs ...namedFile) error {
	for _, o := range outputs {
		if o.path != "" && o.path != "-" && inside(o.path, data) {
			return usagef("%s %s: that is inside the data directory %s, which holds the nodes' logs (writing there could destroy one): choose a file outside it",
				o.what, cluster.EscapeControls(o.path), cluster.EscapeControls(data))
		}
	}
	return nil
}

// sameFile reports whether paths a and b name one file: os.SameFile when
// both exist, else their cleaned absolute paths are equal.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	absA, errA := filepath.Abs(resolveLinks(a))
	absB, errB := filepath.Abs(resolveLinks(b))
	if errA != nil || errB != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return absA == absB
}

// resolveLinks follows path's symbolic links (commands.ThroughLinks), the
// last one too when what it names is not there yet (a link to a file a run
// is about to create: --log same.log --trace link.log, link.log ->
// same.log, wrote both outputs into one file), and those of its directory.
func resolveLinks(path string) string {
	path = commands.ThroughLinks(path)
	if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		path = filepath.Join(dir, filepath.Base(path))
	}
	return path
}
