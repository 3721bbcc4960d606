// Command etcd is the stock etcd server: the testbed builds it from go.etcd.io/etcd/server/v3 at the
// version k8s.io/kubernetes itself requires, so the apiserver talks to the etcd it was tested with.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
