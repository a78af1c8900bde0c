package judgetest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Image is one image part of a request, decoded from its data URL.
type Image struct {
	MIME      string
	Data      []byte
	Detail    string // the part's detail setting ("" when absent)
	AfterText bool   // a text part of the same message came before it
}

// Images returns the image parts of the request's messages in the order they were sent, decoded. It
// needs the body: the server must keep bodies (KeepBodies) when an Answer or Script calls it. An image
// URL that is not a base64 data URL is an error.
func (r *Request) Images() ([]Image, error) {
	if r.Body == nil {
		return nil, errors.New("judgetest: the request body was not kept (set KeepBodies)")
	}
	var req struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(r.Body, &req); err != nil {
		return nil, fmt.Errorf("judgetest: body: %w", err)
	}
	var out []Image
	for _, m := range req.Messages {
		var parts []struct {
			Type     string `json:"type"`
			ImageURL struct {
				URL    string `json:"url"`
				Detail string `json:"detail"`
			} `json:"image_url"`
		}
		if json.Unmarshal(m.Content, &parts) != nil {
			continue // a plain string content: no images
		}
		text := false
		for _, p := range parts {
			switch p.Type {
			case "text":
				text = true
			case "image_url":
				u, ok := strings.CutPrefix(p.ImageURL.URL, "data:")
				mime, b64, ok2 := strings.Cut(u, ";base64,")
				if !ok || !ok2 {
					return nil, fmt.Errorf("judgetest: image %d is not a base64 data URL", len(out)+1)
				}
				data, err := base64.StdEncoding.DecodeString(b64)
				if err != nil {
					return nil, fmt.Errorf("judgetest: image %d: %w", len(out)+1, err)
				}
				out = append(out, Image{MIME: mime, Data: data, Detail: p.ImageURL.Detail, AfterText: text})
			}
		}
	}
	return out, nil
}

// PairAnswer is a pairwise verdict's text: {"justification": ..., "winner": ...}.
func PairAnswer(winner, justification string) string {
	b, _ := json.Marshal(struct {
		Justification string `json:"justification"`
		Winner        string `json:"winner"`
	}{justification, winner})
	return string(b)
}

// AlwaysPick is an Answer for a pairwise judge that gives the same winner whatever the pictures: "1"
// emulates a judge with complete first-position bias, "2" one biased to the second, "tie" one that
// never decides.
func AlwaysPick(winner string) func(*Request) string {
	return func(*Request) string {
		return PairAnswer(winner, "The answer does not depend on the images (emulated position bias).")
	}
}

// PairByImages is an Answer for a pairwise judge that decides from the pictures: decide receives the
// request's images in the order they were sent and returns the winner as the judge should spell it
// ("1", "2", "tie", "left", ...). The server must keep bodies (KeepBodies); a request whose images
// cannot be read is answered with text that is not a verdict.
func PairByImages(decide func(imgs []Image) string) func(*Request) string {
	return func(r *Request) string {
		imgs, err := r.Images()
		if err != nil {
			return "emulated judge: " + err.Error()
		}
		return PairAnswer(decide(imgs), "The winner follows from the pictures (emulated verdict).")
	}
}
