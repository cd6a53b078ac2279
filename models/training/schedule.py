"""What training remembers between epochs: the learning-rate schedule, early stopping, the
best scores, and the history of every epoch. Plain data, saved as JSON in each checkpoint.

Both rules watch the validation loss (smooth from the first epoch, while CTC's CER can sit
at 100% for a few epochs as the network first learns to emit blanks); the best model is
kept by validation CER, the figure users care about.
"""
from dataclasses import asdict, dataclass, field


@dataclass
class Schedule:
    learning_rate: float
    reduce_lr_patience: int = 0   # epochs without a better validation loss; 0 = never reduce
    reduce_lr_factor: float = 0.5
    min_learning_rate: float = 1e-5
    early_stopping_patience: int = 0  # 0 = never stop early
    epoch: int = 0                # epochs finished
    best_loss: float = float('inf')
    best_loss_epoch: int = 0
    last_reduction_epoch: int = 0
    best_cer: float = float('inf')
    best_cer_epoch: int = 0
    stopped_early: bool = False
    history: list = field(default_factory=list)  # one dict of figures per finished epoch

    def end_epoch(self, figures: dict) -> bool:
        """Record an epoch's figures (with 'val_loss' and 'val_cer'); update the learning
        rate and the stopping decision. Returns True when its CER is the best so far."""
        self.epoch += 1
        self.history.append(dict(figures, epoch=self.epoch))
        if figures['val_loss'] < self.best_loss:
            self.best_loss, self.best_loss_epoch = figures['val_loss'], self.epoch
        stale = self.epoch - max(self.best_loss_epoch, self.last_reduction_epoch)
        if self.reduce_lr_patience and stale >= self.reduce_lr_patience \
                and self.learning_rate > self.min_learning_rate:
            self.learning_rate = max(self.learning_rate * self.reduce_lr_factor,
                                     self.min_learning_rate)
            self.last_reduction_epoch = self.epoch
        if self.early_stopping_patience and \
                self.epoch - self.best_loss_epoch >= self.early_stopping_patience:
            self.stopped_early = True
        improved = figures['val_cer'] < self.best_cer
        if improved:
            self.best_cer, self.best_cer_epoch = figures['val_cer'], self.epoch
        return improved

    def resume_with(self, **settings):
        """Take new patience settings (a resumed run may change them) and re-decide
        whether early stopping has struck."""
        for key, value in settings.items():
            setattr(self, key, value)
        self.stopped_early = bool(self.early_stopping_patience) and \
            self.epoch - self.best_loss_epoch >= self.early_stopping_patience

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> 'Schedule':
        return cls(**data)
