package bench

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// chartOut is where the chart tests write their PNGs: BENCH_TEST_OUT to
// look at them, else a temporary folder.
func chartOut(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("BENCH_TEST_OUT"); d != "" {
		return d
	}
	return t.TempDir()
}

// decodePNG reads the PNG at path and fails t unless it is w×h pixels.
func decodePNG(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: w, Y: h}) {
		t.Errorf("%s is %v pixels, want %dx%d", path, got, w, h)
	}
	return img
}

// pixels counts the pixels of img in colour c.
func pixels(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == c {
				n++
			}
		}
	}
	return n
}

func TestBarChart_Save(t *testing.T) {
	t.Parallel()
	functions := []string{"ApiFunction", "StartFunction", "DelegateFunction", "NotifyFunction", "CollectFunction",
		"ReceiptFunction", "FinishFunction", "FinalizeFunction", "HelloWorld (aws-lambda-go baseline)"}
	tests := []struct {
		name          string
		chart         BarChart
		wantW, wantH  int
		wantBarPixels int // at least, of the first series' colour
	}{
		{
			name: "vertical_groups",
			chart: BarChart{Title: "Sign path latency", Axis: "latency (ms)",
				Categories: []string{"concurrency 1", "concurrency 8"},
				Series:     []Series{{"sign p50", []float64{21, 48}}, {"sign p99", []float64{35, 120}}, {"floor p50", []float64{3, 9}}, {"floor p99", []float64{5, 22}}}},
			wantW: 960, wantH: 520, wantBarPixels: 2000,
		},
		{
			name: "horizontal_functions",
			chart: BarChart{Title: "Cold start", Axis: "init (ms)", Horizontal: true, Categories: functions,
				Series: []Series{{"p50", []float64{62, 40, 41, 45, 44, 43, 40, 48, 10}}, {"p90", []float64{70, 47, 49, 52, 50, 51, 48, 55, 13}}}},
			wantW: 960, wantH: 120 + 42*9, wantBarPixels: 9 * 14 * 50,
		},
		{
			name:  "no_values",
			chart: BarChart{Title: "Empty", Axis: "MiB", Horizontal: true, Categories: []string{"moto (python)"}, Series: []Series{{"run", nil}}},
			wantW: 960, wantH: 120 + 26,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(chartOut(t), "bar-"+tt.name+".png")
			if err := tt.chart.Save(path); err != nil {
				t.Fatal(err)
			}
			img := decodePNG(t, path, tt.wantW, tt.wantH)
			if got := pixels(img, palette[0]); got < tt.wantBarPixels {
				t.Errorf("%d pixels of the first series' colour, want at least %d", got, tt.wantBarPixels)
			}
		})
	}
}

func TestLineChart_Save(t *testing.T) {
	t.Parallel()
	lc := LineChart{Title: "Price per task", XAxis: "signees per task", YAxis: "USD per task", Lines: []LineSeries{
		{Name: "signing alone", X: []float64{1, 3, 10, 1000}, Y: []float64{0.0007, 0.0012, 0.003, 0.2}, Hollow: []bool{false, false, false, true}},
		{Name: "signing together", X: []float64{1, 3, 10, 1000}, Y: []float64{0.0006, 0.001, 0.0025, 0.15}, Hollow: []bool{false, false, false, true}, Dashed: true},
		{Name: "not on a log axis", X: []float64{0}, Y: []float64{0}},
	}}
	path := filepath.Join(chartOut(t), "line.png")
	if err := lc.Save(path); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path, 960, 560)
	for i := range 2 {
		if got := pixels(img, palette[i]); got < 300 {
			t.Errorf("line %d: %d pixels of its colour, want a line across the chart", i, got)
		}
	}
}
