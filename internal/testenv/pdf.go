package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PDFText extracts a PDF's text with poppler's pdftotext (layout kept), so
// tests read what a person would see on the page. Without pdftotext the
// test skips (fails when CI=true); .ci/run installs poppler-utils.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	bin := RequireTool(t, "pdftotext")
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runBounded(bin, "-layout", in, "-")
	if err != nil {
		t.Fatalf("testenv: pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// PDFToPNG renders a PDF's first page with poppler's pdftoppm to
// <repo>/artifacts/screenshots/<name>.png (the README gallery, like
// Screenshot) and returns the path.
func PDFToPNG(t testing.TB, pdf []byte, name string) string {
	t.Helper()
	bin := RequireTool(t, "pdftoppm")
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(RepoRoot(t), "artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, unsafeName.ReplaceAllString(name, "-"))
	if out, err := runBounded(bin, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", in, base); err != nil {
		t.Fatalf("testenv: pdftoppm: %v: %s", err, out)
	}
	png, err := os.ReadFile(base + ".png")
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("testenv: pdftoppm wrote no PNG: %v", err)
	}
	return base + ".png"
}

// runBounded runs a short tool with a time limit.
func runBounded(bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.Bytes(), err
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return out.Bytes(), os.ErrDeadlineExceeded
	}
}

// PDFImages lists the images a PDF's pages draw, one "page width height"
// per image, with poppler's pdfimages (same tool rules as PDFText).
func PDFImages(t testing.TB, pdf []byte) []string {
	t.Helper()
	bin := RequireTool(t, "pdfimages")
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runBounded(bin, "-list", in)
	if err != nil {
		t.Fatalf("testenv: pdfimages: %v: %s", err, out)
	}
	var imgs []string
	for i, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if i < 2 || len(f) < 5 {
			continue // the header and its rule
		}
		imgs = append(imgs, f[0]+" "+f[3]+" "+f[4])
	}
	return imgs
}
