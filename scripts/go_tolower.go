// go_tolower.go -- prints Go's strings.ToLower of every input line (hex in,
// hex out).  Where the expected bytes of tests/unit/test_utf8lower.c come
// from, and a cross-check of src/util/utf8lower.c:
//
//	go run scripts/go_tolower.go < inputs.hex
//
// Not needed to build or test (golang-go is not in scripts/deps.sh).
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		b, _ := hex.DecodeString(sc.Text())
		fmt.Fprintf(w, "%x\n", strings.ToLower(string(b)))
	}
}
