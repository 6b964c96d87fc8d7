package console

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/postbode/postbode/internal/access"
)

// TestConsolePreviewShowsTheSampleAtFirst: the preview screen shows the
// campaign at once, with the sample contact a test send uses (said so on
// the screen), not an empty page waiting for a contact; a chosen contact
// is shown with their own merge fields.
func TestConsolePreviewShowsTheSampleAtFirst(t *testing.T) {
	e := newAdminEnv(t)
	ctx := access.WithDepartment(context.Background(), access.DefaultDepartment)
	var id int64
	if err := e.pool.QueryRow(ctx, `UPDATE campaigns SET subject = 'Hello {{.Contact.Name}}', html = '<p>Hi {{.Contact.Name}}</p>'
		WHERE id = (SELECT min(id) FROM campaigns) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	base := "/console/campaigns/" + strconv.FormatInt(id, 10)
	body := wantStatus(t, "preview", e.get(base+"/preview"), http.StatusOK)
	if !strings.Contains(body, "Hello Jan Jansen") || !strings.Contains(body, "sample contact Jan Jansen") ||
		!strings.Contains(body, `src="`+base+`/render?contact=0"`) {
		t.Errorf("the preview does not show the sample contact's mail:\n%.4000s", body)
	}
	if frame := wantStatus(t, "sample frame", e.get(base+"/render?contact=0"), http.StatusOK); !strings.Contains(frame, "Hi Jan Jansen") {
		t.Errorf("the frame does not show the sample contact's mail:\n%.2000s", frame)
	}
	body = wantStatus(t, "preview for a contact", e.get(base+"/preview?contact=user1@example.org"), http.StatusOK)
	if !strings.Contains(body, "Hello User 1") || strings.Contains(body, "sample contact") {
		t.Errorf("the preview for user1 does not show their mail:\n%.4000s", body)
	}
	if w := e.get(base + "/render?contact=-1"); w.Code != http.StatusUnprocessableEntity && w.Code != http.StatusBadRequest {
		t.Errorf("a negative contact id: %d", w.Code)
	}
}
