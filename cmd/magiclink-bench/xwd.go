package main

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// xwdHeaderFields is the number of 32-bit big-endian fields at the start of
// an XWD (X Window Dump, version 7) file, as written by xwd(1).
const xwdHeaderFields = 25

// xwdColorSize is the size of one XWDColor entry after the header.
const xwdColorSize = 12

// Indexes of the header fields used here.
const (
	xwdHeaderSize   = 0
	xwdVersion      = 1
	xwdWidth        = 4
	xwdHeight       = 5
	xwdByteOrder    = 7
	xwdBitsPerPixel = 11
	xwdBytesPerLine = 12
	xwdRedMask      = 14
	xwdGreenMask    = 15
	xwdBlueMask     = 16
	xwdNColors      = 19
)

// shot is what the harness needs to know about one window capture.
type shot struct {
	width, height int
	// drawn is true when the image has more than one distinct pixel
	// colour. Xvfb shows a window as one flat colour until its first frame.
	drawn bool
	// sum identifies the image content (FNV-64a of the masked pixels).
	sum uint64
}

// parseXWD reads an xwd(1) dump of a TrueColor window.
func parseXWD(b []byte) (shot, error) {
	if len(b) < xwdHeaderFields*4 {
		return shot{}, errors.New("xwd: short header")
	}
	var h [xwdHeaderFields]uint32
	for i := range h {
		h[i] = binary.BigEndian.Uint32(b[i*4:])
	}
	if h[xwdVersion] != 7 {
		return shot{}, fmt.Errorf("xwd: unsupported version %d", h[xwdVersion])
	}
	w, ht := int(h[xwdWidth]), int(h[xwdHeight])
	bpp, bpl := int(h[xwdBitsPerPixel]), int(h[xwdBytesPerLine])
	if bpp != 16 && bpp != 24 && bpp != 32 {
		return shot{}, fmt.Errorf("xwd: unsupported %d bits per pixel", bpp)
	}
	off := int(h[xwdHeaderSize]) + int(h[xwdNColors])*xwdColorSize
	if w <= 0 || ht <= 0 || bpl < w*bpp/8 || off < 0 || len(b) < off+ht*bpl {
		return shot{}, fmt.Errorf("xwd: truncated image (%dx%d, %d bytes)", w, ht, len(b))
	}
	mask := h[xwdRedMask] | h[xwdGreenMask] | h[xwdBlueMask]
	if mask == 0 {
		mask = ^uint32(0)
	}
	bigEndian := h[xwdByteOrder] == 1
	return scanPixels(b[off:], w, ht, bpl, bpp/8, mask, bigEndian), nil
}

// scanPixels hashes the pixels and notes whether more than one colour
// appears.
func scanPixels(data []byte, w, h, bpl, bytesPP int, mask uint32, bigEndian bool) shot {
	const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211
	s := shot{width: w, height: h}
	sum := uint64(fnvOffset)
	var first uint32
	for y := 0; y < h; y++ {
		row := data[y*bpl:]
		for x := 0; x < w; x++ {
			px := pixelAt(row[x*bytesPP:], bytesPP, bigEndian) & mask
			if x == 0 && y == 0 {
				first = px
			} else if px != first {
				s.drawn = true
			}
			for i := 0; i < 4; i++ {
				sum = (sum ^ uint64(byte(px>>(8*i)))) * fnvPrime
			}
		}
	}
	s.sum = sum
	return s
}

// pixelAt decodes one pixel of n bytes in the dump's byte order.
func pixelAt(p []byte, n int, bigEndian bool) uint32 {
	var v uint32
	for i := 0; i < n; i++ {
		if bigEndian {
			v = v<<8 | uint32(p[i])
		} else {
			v |= uint32(p[i]) << (8 * i)
		}
	}
	return v
}
