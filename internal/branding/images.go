package branding

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
)

// Limits of uploaded images. The byte limit is on the decoded upload; the
// pixel limits stop a small file that decompresses into a huge bitmap.
const (
	MaxLogoBytes    = 512 << 10
	MaxLogoPixels   = 2048
	MaxFaviconBytes = 64 << 10
	MaxFavPixels    = 256
)

// ParseImage reads an image sent as a data URL ("data:image/png;base64,…")
// and returns it decoded and re-encoded by Go's own PNG or JPEG encoder, so
// what we serve is pixels we produced — never the uploaded bytes, whatever
// they hid (metadata, polyglot payloads). SVG is refused outright: it is a
// document that can carry script, and no allow-list parse here is worth that
// risk. maxBytes and maxPixels bound the upload.
func ParseImage(dataURL string, maxBytes, maxPixels int) (Image, error) {
	head, payload, ok := strings.Cut(dataURL, ",")
	if !ok || !strings.HasPrefix(head, "data:") {
		return Image{}, fmt.Errorf("must be a data URL: data:image/png;base64,… or data:image/jpeg;base64,…")
	}
	mt, enc, _ := strings.Cut(strings.TrimPrefix(head, "data:"), ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if strings.Contains(mt, "svg") {
		if strings.Contains(strings.ToLower(decodeLoose(payload, enc)), "<script") {
			return Image{}, fmt.Errorf("SVG with script is refused; upload a PNG or JPEG")
		}
		return Image{}, fmt.Errorf("SVG is not accepted (it can carry script); upload a PNG or JPEG")
	}
	if mt != "image/png" && mt != "image/jpeg" {
		return Image{}, fmt.Errorf("must be a PNG or JPEG image, not %q", mt)
	}
	if strings.ToLower(enc) != "base64" {
		return Image{}, fmt.Errorf("must be base64-encoded (data:%s;base64,…)", mt)
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > maxBytes+3 {
		return Image{}, fmt.Errorf("too large: at most %d KB", maxBytes>>10)
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return Image{}, fmt.Errorf("is not valid base64")
	}
	if len(raw) > maxBytes {
		return Image{}, fmt.Errorf("too large: %d KB, at most %d KB", (len(raw)+1023)>>10, maxBytes>>10)
	}
	if bytes.Contains(bytes.ToLower(raw), []byte("<script")) {
		return Image{}, fmt.Errorf("contains script; upload a plain PNG or JPEG")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return Image{}, fmt.Errorf("is not a readable PNG or JPEG image")
	}
	if "image/"+format != mt {
		return Image{}, fmt.Errorf("says %s but holds %s", mt, format)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxPixels || cfg.Height > maxPixels {
		return Image{}, fmt.Errorf("is %d×%d pixels; at most %d×%d", cfg.Width, cfg.Height, maxPixels, maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return Image{}, fmt.Errorf("is not a readable PNG or JPEG image")
	}
	var out bytes.Buffer
	if format == "png" {
		err = png.Encode(&out, img)
	} else {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		return Image{}, fmt.Errorf("could not be re-encoded: %v", err)
	}
	return Image{Type: mt, Data: out.Bytes()}, nil
}

// decodeLoose is the text of an SVG payload, for the error message only.
func decodeLoose(payload, enc string) string {
	if strings.EqualFold(enc, "base64") {
		if b, err := base64.StdEncoding.DecodeString(payload); err == nil {
			return string(b)
		}
	}
	return payload
}

// DataURL is img as a data URL (for the API's responses).
func (img Image) DataURL() string {
	if img.Type == "" {
		return ""
	}
	return "data:" + img.Type + ";base64," + base64.StdEncoding.EncodeToString(img.Data)
}
