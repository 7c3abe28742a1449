package preprocess

// Normalization is torchvision's Normalize(mean, std) after ToTensor. It is
// a plain value, safe to share.
type Normalization struct {
	Mean, Std [3]float64
}

// ImageNetNormalization is the mean/std every torchvision ImageNet model
// was trained with.
var ImageNetNormalization = Normalization{
	Mean: [3]float64{0.485, 0.456, 0.406},
	Std:  [3]float64{0.229, 0.224, 0.225},
}

// Table is a normalisation as a lookup: entry [c][v] is the float32 that
// ToTensor()+Normalize() makes of sample value v in channel c. A table
// lookup is exact on every device (docs/parity-spec.md §4.1); binding's
// Forward takes one, as *[3][256]float32.
type Table [3][256]float32

// Table computes each entry as torchvision does: v/255 as a true float32
// division, then (x - mean[c]) and / std[c] each rounded to float32, with
// mean and std rounded to float32 first as torch.as_tensor does
// (docs/parity-spec.md §4). Any algebraic shortcut (reciprocals, fused
// affine, float64) changes hundreds of the 768 entries.
func (n Normalization) Table() *Table {
	var t Table
	for c := 0; c < 3; c++ {
		mean, std := float32(n.Mean[c]), float32(n.Std[c])
		for v := 0; v < 256; v++ {
			x := float32(v) / float32(255)
			x = float32(x - mean)
			t[c][v] = float32(x / std)
		}
	}
	return &t
}
