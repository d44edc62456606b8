package dev.kj.controllers.garbagecollector;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One object in the ownership graph (upstream's node). Only the graph builder's single thread
 * changes nodes; the collector's workers read them, so every field is safe to read concurrently
 * (values may be a moment old, as upstream's are). Equality is identity: work queues hold nodes.
 */
final class Node {
    private final ObjectReference identity;
    private final Set<Node> dependents = ConcurrentHashMap.newKeySet();
    private volatile List<OwnerRef> owners;
    private volatile boolean deletingDependents;
    private volatile boolean beingDeleted;
    private volatile boolean virtual;

    Node(ObjectReference identity, List<OwnerRef> owners, boolean virtual) {
        this.identity = identity;
        this.owners = List.copyOf(owners);
        this.virtual = virtual;
    }

    /** A copy under another identity, for replacing a virtual node (only the graph builder calls it). */
    Node withIdentity(ObjectReference other) {
        Node copy = new Node(other, owners, virtual);
        copy.dependents.addAll(dependents);
        copy.deletingDependents = deletingDependents;
        copy.beingDeleted = beingDeleted;
        return copy;
    }

    ObjectReference identity() {
        return identity;
    }

    List<OwnerRef> owners() {
        return owners;
    }

    void setOwners(List<OwnerRef> references) {
        owners = List.copyOf(references);
    }

    /** "Being deleted" is a one-way trip, so it is only ever set. */
    void markBeingDeleted() {
        beingDeleted = true;
    }

    boolean isBeingDeleted() {
        return beingDeleted;
    }

    void markDeletingDependents() {
        deletingDependents = true;
    }

    boolean isDeletingDependents() {
        return deletingDependents;
    }

    void markObserved() {
        virtual = false;
    }

    /** False for a virtual node: an owner only named by dependents so far, not seen by an informer. */
    boolean isObserved() {
        return !virtual;
    }

    void addDependent(Node dependent) {
        dependents.add(dependent);
    }

    void deleteDependent(Node dependent) {
        dependents.remove(dependent);
    }

    List<Node> dependents() {
        return new ArrayList<>(dependents);
    }

    int dependentsLength() {
        return dependents.size();
    }

    /** Dependents whose reference to this node has blockOwnerDeletion set. */
    List<Node> blockingDependents() {
        List<Node> blocking = new ArrayList<>();
        for (Node dependent : dependents) {
            for (OwnerRef owner : dependent.owners()) {
                if (owner.uid().equals(identity.uid()) && owner.blocks()) {
                    blocking.add(dependent);
                }
            }
        }
        return blocking;
    }

    @Override
    public String toString() {
        return identity + (virtual ? " (virtual)" : "");
    }
}
