// Package buildinfo is in charge of what a binary knows about its own build:
// version and commit, set by the Makefile from git with -ldflags, or read
// from the Go build information when built otherwise (go build, go install).
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version and Commit are set at link time:
//
//	go build -ldflags "-X github.com/postbode/postbode/internal/buildinfo.Version=v1.2.3 -X github.com/postbode/postbode/internal/buildinfo.Commit=abc1234"
//
// Empty means: take them from the Go build information.
var (
	Version string
	Commit  string
)

// Info describes the running binary.
type Info struct {
	Version   string // e.g. v1.2.3, or "dev"
	Commit    string // VCS revision, "-dirty" appended for a modified tree; "unknown" when not known
	GoVersion string
}

// Get returns the build's Info.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fromBuildInfo(&info, bi)
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// fromBuildInfo fills what the linker flags left empty from bi.
func fromBuildInfo(info *Info, bi *debug.BuildInfo) {
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	if info.Commit != "" {
		return
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && modified == "true" {
		rev += "-dirty"
	}
	info.Commit = rev
}
