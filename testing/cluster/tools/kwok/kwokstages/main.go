// Command kwokstages prints, as one multi-document YAML stream, the node and pod
// Stage definitions that ship inside the pinned kwok module (the same "fast"
// lifecycle kwokctl uses): nodes become Ready and keep a Lease; pods go straight
// to Running with every container ready; deleted pods are removed at once.
//
// The kwok binary refuses to start without stages, and taking them from the
// pinned module keeps them in step with the binary built from it.
package main

import (
	"fmt"
	"os"
	"strings"

	nodeinit "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	nodelease "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	pod "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
)

func main() {
	docs := []string{
		nodeinit.DefaultNodeInit,
		nodelease.DefaultNodeHeartbeatWithLease,
		pod.DefaultPodReady,
		pod.DefaultPodComplete,
		pod.DefaultPodDelete,
	}
	for i, d := range docs {
		if i > 0 {
			fmt.Fprintln(os.Stdout, "---")
		}
		fmt.Fprintln(os.Stdout, strings.TrimRight(d, "\n"))
	}
}
