package ui

import (
	"bytes"
	"image/png"
	"testing"
)

func TestSmallIconIsSmall(t *testing.T) {
	cfg, err := png.DecodeConfig(bytes.NewReader(iconSmallPNG))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 64 || cfg.Height != 64 {
		t.Fatalf("icon_small.png is %dx%d, want 64x64; run go run ./ui/internal/icongen/main.go", cfg.Width, cfg.Height)
	}
	big, err := png.DecodeConfig(bytes.NewReader(iconPNG))
	if err != nil || big.Width != 512 || big.Height != 512 {
		t.Fatalf("icon.png: %+v %v", big, err)
	}
}
