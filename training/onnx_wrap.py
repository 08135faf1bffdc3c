"""What the training scripts export to ONNX: a Hugging Face model reduced to ``input_ids, attention_mask,
token_type_ids -> logits`` (both the attribution tagger and the stance model are read that way at run time)."""

from __future__ import annotations


def logits_only(model, torch):
    """``model`` wrapped as a module whose forward returns its logits only."""

    class LogitsOnly(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    return LogitsOnly(model)
