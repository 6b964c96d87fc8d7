package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name, version, commit string
		bi                    *debug.BuildInfo
		wantVersion           string
		wantCommit            string
	}{
		{"from vcs", "", "", bi, "", "0123456789ab-dirty"},
		{"ldflags win", "v1.2.3", "abc1234", bi, "v1.2.3", "abc1234"},
		{"module version", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}}, "v0.9.0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := Info{Version: tt.version, Commit: tt.commit}
			fromBuildInfo(&info, tt.bi)
			if info.Version != tt.wantVersion || info.Commit != tt.wantCommit {
				t.Errorf("got %q %q, want %q %q", info.Version, info.Commit, tt.wantVersion, tt.wantCommit)
			}
		})
	}
}
