package cy

import "testing"

func TestSoft(t *testing.T) {
	for in, want := range map[string]string{
		"Cyngor Sir Llanwern":     "Gyngor Sir Llanwern",
		"Cyngor Gwynedd":          "Gyngor Gwynedd",
		"Gwynedd":                 "Wynedd",
		"Llanelli":                "Lanelli",
		"Rhondda Cynon Taf":       "Rondda Cynon Taf",
		"Powys":                   "Bowys",
		"Torfaen":                 "Dorfaen",
		"Bro Morgannwg":           "Fro Morgannwg",
		"Dinas a Sir Abertawe":    "Ddinas a Sir Abertawe",
		"Merthyr Tudful":          "Ferthyr Tudful",
		"Ynys Môn":                "Ynys Môn",
		"Fflint":                  "Fflint",
		"Chwarel":                 "Chwarel",
		"Threfynwy":               "Threfynwy",
		"Ddinbych":                "Ddinbych",
		"y wefan hon":             "y wefan hon",
		"Llanwern County Council": "Lanwern County Council",
		"gwefan":                  "wefan",
		"":                        "",
	} {
		if got := Soft(in); got != want {
			t.Errorf("Soft(%q) = %q, want %q", in, got, want)
		}
	}
}
