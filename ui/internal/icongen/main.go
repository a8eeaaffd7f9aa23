//go:build ignore

// Command icongen draws the Magiclink application icon: a white envelope
// with a golden sparkle on a rounded-square violet-to-blue gradient.
//
// It writes the same 512×512 PNG to Icon.png (read by the fyne packaging
// tool through FyneApp.toml) and to ui/icon.png (embedded by package ui for
// the window icon and the header). Run it from the repository root:
//
//	go run ./ui/internal/icongen/main.go
//
// Every shape is a signed distance field, so edges are antialiased without
// supersampling.
package main

import (
	"bytes"
	xdraw "golang.org/x/image/draw"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const size = 512

type vec struct{ x, y float64 }

func (a vec) sub(b vec) vec       { return vec{a.x - b.x, a.y - b.y} }
func (a vec) add(b vec) vec       { return vec{a.x + b.x, a.y + b.y} }
func (a vec) mul(k float64) vec   { return vec{a.x * k, a.y * k} }
func (a vec) dot(b vec) float64   { return a.x*b.x + a.y*b.y }
func (a vec) cross(b vec) float64 { return a.x*b.y - a.y*b.x }
func (a vec) len() float64        { return math.Hypot(a.x, a.y) }

// rgba is a straight (non-premultiplied) colour with components in 0..1.
type rgba struct{ r, g, b, a float64 }

func hex(h uint32) rgba {
	return rgba{float64(h>>16&0xff) / 255, float64(h>>8&0xff) / 255, float64(h&0xff) / 255, 1}
}

func mix(a, b rgba, t float64) rgba {
	return rgba{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t, a.a + (b.a-a.a)*t}
}

// over composites src with coverage cov over dst.
func over(dst, src rgba, cov float64) rgba {
	sa := src.a * clamp(cov)
	oa := sa + dst.a*(1-sa)
	if oa == 0 {
		return rgba{}
	}
	f := func(s, d float64) float64 { return (s*sa + d*dst.a*(1-sa)) / oa }
	return rgba{f(src.r, dst.r), f(src.g, dst.g), f(src.b, dst.b), oa}
}

func clamp(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// cover turns a signed distance (negative inside) into pixel coverage.
func cover(d float64) float64 { return clamp(0.5 - d) }

func smoothstep(e0, e1, x float64) float64 {
	t := clamp((x - e0) / (e1 - e0))
	return t * t * (3 - 2*t)
}

// roundedBox is the distance to a box centred at c with half extents h and corner radius r.
func roundedBox(p, c, h vec, r float64) float64 {
	q := vec{math.Abs(p.x-c.x) - h.x + r, math.Abs(p.y-c.y) - h.y + r}
	out := vec{math.Max(q.x, 0), math.Max(q.y, 0)}.len()
	return out + math.Min(math.Max(q.x, q.y), 0) - r
}

// segment is the distance to the segment ab.
func segment(p, a, b vec) float64 {
	pa, ba := p.sub(a), b.sub(a)
	t := clamp(pa.dot(ba) / ba.dot(ba))
	return pa.sub(ba.mul(t)).len()
}

// polygon is the signed distance to a simple polygon.
func polygon(p vec, v []vec) float64 {
	d := p.sub(v[0]).dot(p.sub(v[0]))
	s := 1.0
	for i, j := 0, len(v)-1; i < len(v); j, i = i, i+1 {
		e, w := v[j].sub(v[i]), p.sub(v[i])
		b := w.sub(e.mul(clamp(w.dot(e) / e.dot(e))))
		d = math.Min(d, b.dot(b))
		c1, c2, c3 := p.y >= v[i].y, p.y < v[j].y, e.cross(w) > 0
		if (c1 && c2 && c3) || (!c1 && !c2 && !c3) {
			s = -s
		}
	}
	return s * math.Sqrt(d)
}

// star returns a four-pointed sparkle with concave sides centred at c.
func star(c vec, outer, inner float64) []vec {
	var pts []vec
	const steps = 16
	for k := 0; k < 4; k++ {
		a0 := float64(k) * math.Pi / 2
		tip := c.add(vec{math.Cos(a0), math.Sin(a0)}.mul(outer))
		next := c.add(vec{math.Cos(a0 + math.Pi/2), math.Sin(a0 + math.Pi/2)}.mul(outer))
		// quadratic curve from tip to next tip pulled towards the centre
		ctrl := c.add(vec{math.Cos(a0 + math.Pi/4), math.Sin(a0 + math.Pi/4)}.mul(inner))
		for i := 0; i < steps; i++ {
			t := float64(i) / steps
			a := tip.mul((1 - t) * (1 - t)).add(ctrl.mul(2 * t * (1 - t))).add(next.mul(t * t))
			pts = append(pts, a)
		}
	}
	return pts
}

func draw() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))

	bgC, bgH, bgR := vec{256, 256}, vec{224, 224}, 100.0
	top, bottom := hex(0x7C5CFF), hex(0x2F80ED)

	envC, envH, envR := vec{248, 284}, vec{150, 104}, 26.0
	envTL := vec{envC.x - envH.x, envC.y - envH.y}
	envTR := vec{envC.x + envH.x, envC.y - envH.y}
	envBL := vec{envC.x - envH.x, envC.y + envH.y}
	envBR := vec{envC.x + envH.x, envC.y + envH.y}
	flapTip := vec{envC.x, envC.y + 14}
	flap := []vec{envTL.add(vec{8, 4}), envTR.add(vec{-8, 4}), flapTip}
	paper, fold, shade := hex(0xFFFFFF), hex(0xC9C2FF), hex(0xEEEBFF)

	sparkle := star(vec{372, 166}, 74, 18)
	small := star(vec{138, 142}, 30, 7)
	tiny := star(vec{420, 300}, 20, 5)
	gold, goldDeep := hex(0xFFD84D), hex(0xFFB020)

	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			p := vec{float64(x) + 0.5, float64(y) + 0.5}
			var c rgba

			// Background tile: diagonal gradient with a soft top highlight.
			dBg := roundedBox(p, bgC, bgH, bgR)
			t := clamp((p.x*0.35 + p.y) / (size * 1.35))
			bg := mix(top, bottom, t)
			bg = mix(bg, hex(0xFFFFFF), 0.14*smoothstep(300, 0, p.y)*smoothstep(-30, -200, dBg))
			c = over(c, bg, cover(dBg))

			// Envelope shadow.
			dEnv := roundedBox(p, envC, envH, envR)
			sh := 0.28 * (1 - smoothstep(-10, 26, roundedBox(p, envC.add(vec{0, 12}), envH, envR)))
			c = over(c, rgba{0.10, 0.05, 0.35, 1}, sh*cover(dBg))

			// Envelope body with a faint lower shade.
			body := mix(paper, shade, smoothstep(envC.y-envH.y, envC.y+envH.y, p.y))
			c = over(c, body, cover(dEnv))

			// Bottom folds: lines from the lower corners to the centre.
			inset := vec{18, -14}
			dFold := math.Min(segment(p, envBL.add(vec{inset.x, inset.y}), vec{envC.x, envC.y - 6}),
				segment(p, envBR.add(vec{-inset.x, inset.y}), vec{envC.x, envC.y - 6}))
			c = over(c, fold, cover(dFold-3)*cover(dEnv+6))

			// Top flap with an outline.
			dFlap := polygon(p, flap)
			c = over(c, shade, cover(dFlap)*cover(dEnv))
			c = over(c, fold, cover(math.Abs(dFlap)-3.5)*cover(dEnv+2))

			// Sparkles.
			for _, s := range []struct {
				pts  []vec
				glow float64
			}{{sparkle, 0.35}, {small, 0.25}, {tiny, 0.25}} {
				ds := polygon(p, s.pts)
				c = over(c, hex(0xFFF3B0), s.glow*(1-smoothstep(-4, 22, ds))*cover(dBg))
				col := mix(gold, goldDeep, smoothstep(-40, 10, ds-(p.y-p.x)*0.05))
				c = over(c, col, cover(ds))
			}

			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(math.Round(c.r * 255)),
				G: uint8(math.Round(c.g * 255)),
				B: uint8(math.Round(c.b * 255)),
				A: uint8(math.Round(c.a * 255)),
			})
		}
	}
	return img
}

// smallSize is the edge of ui/icon_small.png, the copy used for the window
// icon and the header logo: decoding and uploading the 512 px icon would
// delay the first frame.
const smallSize = 64

func main() {
	big := draw()
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	var buf bytes.Buffer
	if err := enc.Encode(&buf, big); err != nil {
		log.Fatal(err)
	}
	for _, path := range []string{"Icon.png", "ui/icon.png"} {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			log.Fatalf("could not write %s: %v", path, err)
		}
	}
	small := image.NewNRGBA(image.Rect(0, 0, smallSize, smallSize))
	xdraw.CatmullRom.Scale(small, small.Bounds(), big, big.Bounds(), xdraw.Src, nil)
	buf.Reset()
	if err := enc.Encode(&buf, small); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("ui/icon_small.png", buf.Bytes(), 0o644); err != nil {
		log.Fatalf("could not write ui/icon_small.png: %v", err)
	}
}
