// Command icons writes the app icon at the freedesktop hicolor sizes:
//
//	go run ./scripts/package/icons -in Icon.png -id io.github.magiclink.magiclink -out DIR
//
// writes DIR/NxN/apps/ID.png for every size in -sizes. Each pixel of a
// smaller icon is the area-weighted average of the source pixels it covers,
// in premultiplied alpha, so edges stay clean and transparent parts do not
// darken. Only the standard library is used, so the app's module stays as it is.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	in := flag.String("in", "Icon.png", "source icon (PNG, square)")
	id := flag.String("id", "", "icon name: the app ID")
	out := flag.String("out", "", "hicolor directory to write into")
	sizes := flag.String("sizes", "16,22,24,32,48,64,128,256,512", "comma-separated sizes in pixels")
	flag.Parse()
	if *id == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "icons: -id and -out are required")
		os.Exit(2)
	}
	if err := run(*in, *id, *out, *sizes); err != nil {
		fmt.Fprintln(os.Stderr, "icons:", err)
		os.Exit(1)
	}
}

func run(in, id, out, sizes string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	b := img.Bounds()
	if b.Dx() != b.Dy() {
		return fmt.Errorf("%s is %dx%d; an icon must be square", in, b.Dx(), b.Dy())
	}
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)

	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad size %q", s)
		}
		if n > b.Dx() {
			return fmt.Errorf("%s is %dx%d, smaller than the %dx%d icon asked for", in, b.Dx(), b.Dy(), n, n)
		}
		dir := filepath.Join(out, fmt.Sprintf("%dx%d", n, n), "apps")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := writePNG(filepath.Join(dir, id+".png"), scale(src, n)); err != nil {
			return err
		}
	}
	return nil
}

// scale shrinks the square src to n×n by area averaging.
func scale(src *image.RGBA, n int) *image.RGBA {
	w := src.Bounds().Dx()
	dst := image.NewRGBA(image.Rect(0, 0, n, n))
	if n == w {
		copy(dst.Pix, src.Pix)
		return dst
	}
	ratio := float64(w) / float64(n)
	for dy := 0; dy < n; dy++ {
		y0, y1 := float64(dy)*ratio, float64(dy+1)*ratio
		for dx := 0; dx < n; dx++ {
			x0, x1 := float64(dx)*ratio, float64(dx+1)*ratio
			var acc [4]float64
			var area float64
			for sy := int(y0); sy < w && float64(sy) < y1; sy++ {
				wy := overlap(float64(sy), y0, y1)
				for sx := int(x0); sx < w && float64(sx) < x1; sx++ {
					a := wy * overlap(float64(sx), x0, x1)
					p := src.Pix[src.PixOffset(sx, sy):]
					for c := 0; c < 4; c++ {
						acc[c] += a * float64(p[c])
					}
					area += a
				}
			}
			q := dst.Pix[dst.PixOffset(dx, dy):]
			for c := 0; c < 4; c++ {
				q[c] = uint8(acc[c]/area + 0.5)
			}
		}
	}
	return dst
}

// overlap is how much of the unit pixel [p, p+1) lies within [lo, hi).
func overlap(p, lo, hi float64) float64 {
	return max(0, min(p+1, hi)-max(p, lo))
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
