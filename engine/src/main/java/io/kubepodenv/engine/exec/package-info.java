/**
 * Running commands in an environment's pod and copying files into it, over the Kubernetes exec websocket
 * ({@code v4.channel.k8s.io}), without kubectl. See {@link io.kubepodenv.engine.exec.PodExec} and
 * {@link io.kubepodenv.engine.exec.PodUpload}.
 */
package io.kubepodenv.engine.exec;
