package pgtest

import (
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Labels on every container and network that pgtest makes: the host and process that made it.
// Without testcontainers' reaper, they let a later start remove what a killed test binary (a
// panic, a -timeout, ^C) left behind.
const (
	labelHost = "ward.pgtest.host"
	labelPID  = "ward.pgtest.pid"
)

// ownerLabels returns the labels that name this process as the owner.
func ownerLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{labelHost: host, labelPID: strconv.Itoa(os.Getpid())}
}

// removeOrphans removes the containers and networks that pgtest made in processes of this host
// that have ended. Those of live processes, and of other hosts that share the Docker engine,
// stay.
func removeOrphans(ctx context.Context, cli *testcontainers.DockerClient) error {
	host, _ := os.Hostname()
	mine := client.Filters{}.Add("label", labelHost+"="+host)
	containers, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: mine})
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range containers.Items {
		if !alive(c.Labels[labelPID]) {
			_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			errs = append(errs, err)
		}
	}
	networks, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: mine})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, n := range networks.Items {
		if !alive(n.Labels[labelPID]) {
			_, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// alive reports whether the process pid is running; true when that cannot be told, so that
// nothing is removed by mistake.
func alive(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return true
	}
	p, err := os.FindProcess(n)
	if err != nil {
		return true
	}
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}
